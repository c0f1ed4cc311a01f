/** The JSON Schema of a command's input (admin HTTP API), derived from its option specs. */
import type { TSchema } from 'typebox';
import Type from 'typebox';
import type { AdminCommand, OptionSpec } from './command.ts';

function optionSchema(spec: OptionSpec): TSchema {
  const text = Type.String({ maxLength: 4096 });
  switch (spec.type) {
    case 'string':
      return text;
    case 'boolean':
      return Type.Boolean();
    case 'int':
      return Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    case 'list':
      return Type.Array(text, { maxItems: 10_000 });
    case 'listChange':
      return Type.Object(
        {
          set: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
          add: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
          remove: Type.Optional(Type.Array(text, { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      );
  }
}

/** The JSON Schema of a command's input, used by the admin HTTP API. */
export function inputSchema(command: AdminCommand): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [key, spec] of Object.entries(command.options)) {
    properties[key] = spec.required === true ? optionSchema(spec) : Type.Optional(optionSchema(spec));
  }
  return Type.Object(properties, { additionalProperties: false });
}
