/** ": note" after an announcement's text when there is a note, nothing otherwise. */
export const withNote = (note: string | null | undefined) => (note?.trim() ? `: ${note.trim()}` : '');
