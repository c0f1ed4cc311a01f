export * from './errors.ts';
export * from './wire.ts';
