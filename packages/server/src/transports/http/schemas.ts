/** HTTP request schemas (JSON Schema via TypeBox): validated by Fastify, published in OpenAPI. */
import { MessageFields } from '@stoa/protocol';
import Type from 'typebox';

export const ListChange = Type.Object(
  {
    set: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10_000 })),
    add: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10_000 })),
    remove: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

export const Privacy = Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('secret')]);
export const RoomType = Type.Union([Type.Literal('normal'), Type.Literal('auditorium')]);
export const Invitations = Type.Union([Type.Literal('inherit'), Type.Literal('false')]);
const Name = Type.String({ minLength: 1, maxLength: 256 });
const Description = Type.String({ maxLength: 256 });
const Principals = Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10_000 });

export const Login = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 300 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);

export const NewToken = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    user: Type.Optional(Type.String({ maxLength: 300 })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 366 * 24 * 3600 })),
  },
  { additionalProperties: false },
);

export const NewRoom = Type.Object(
  {
    name: Name,
    category: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Description),
    privacy: Type.Optional(Privacy),
    type: Type.Optional(RoomType),
    invitations: Type.Optional(Invitations),
    addin: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
    members: Type.Optional(Principals),
    managers: Type.Optional(Principals),
    presenters: Type.Optional(Principals),
  },
  { additionalProperties: false },
);

export const RoomChanges = Type.Object(
  {
    name: Type.Optional(Name),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Description),
    privacy: Type.Optional(Privacy),
    type: Type.Optional(RoomType),
    invitations: Type.Optional(Invitations),
    addin: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
    members: Type.Optional(ListChange),
    managers: Type.Optional(ListChange),
    presenters: Type.Optional(ListChange),
  },
  { additionalProperties: false },
);

export const RoomParams = Type.Object({ room: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) });

export const HistoryQuery = Type.Object(
  {
    beforeSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    until: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

export const PostBody = Type.Object(MessageFields, { additionalProperties: false });

export const DirectoryQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 256 })),
    category: Type.Optional(Type.String({ maxLength: 64 })),
    role: Type.Optional(Type.Union([Type.Literal('member'), Type.Literal('manager')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export const NewCategory = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    invitations: Type.Optional(Type.Boolean()),
    fileUpload: Type.Optional(Type.Boolean()),
    chatHistory: Type.Optional(Type.Boolean()),
    allowed: Type.Optional(Principals),
    denied: Type.Optional(Principals),
    creators: Type.Optional(Principals),
  },
  { additionalProperties: false },
);

export const CategoryChanges = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    invitations: Type.Optional(Type.Boolean()),
    fileUpload: Type.Optional(Type.Boolean()),
    chatHistory: Type.Optional(Type.Boolean()),
    allowed: Type.Optional(ListChange),
    denied: Type.Optional(ListChange),
    creators: Type.Optional(ListChange),
  },
  { additionalProperties: false },
);

export const NewUser = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.String({ maxLength: 256 })),
    sipUri: Type.Optional(Type.String({ maxLength: 300 })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    isAdmin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UserChanges = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    isAdmin: Type.Optional(Type.Boolean()),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const NewGroup = Type.Object(
  { name: Name, description: Type.Optional(Description), members: Type.Optional(Principals) },
  { additionalProperties: false },
);

export const GroupMembersChange = Type.Object(
  { add: Type.Optional(Principals), remove: Type.Optional(Principals) },
  { additionalProperties: false },
);

export const PolicyBody = Type.Object(
  { chatEnabled: Type.Boolean(), description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const PolicyGrant = Type.Object(
  { policy: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]) },
  { additionalProperties: false },
);

export const SettingBody = Type.Object(
  { value: Type.Union([Type.String({ maxLength: 2048 }), Type.Integer()]) },
  { additionalProperties: false },
);

// ---- following and invitations (spec §4.7, §4.12)

export const ReadBody = Type.Object({ seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

export const InvitationsQuery = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export const SeenBody = Type.Object({ id: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
