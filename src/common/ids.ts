const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** IDs are UUIDs; anything else names no row (and must not reach a uuid column as text). */
export const isUuid = (id: string | null | undefined): id is string => typeof id === 'string' && UUID.test(id);
