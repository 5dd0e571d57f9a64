/** Values for a message's `{hasNote, select, yes {: {note}} other {}}`: the note, trimmed, when there is one. */
export const noteValues = (note: string | null | undefined) => ({ hasNote: note?.trim() ? 'yes' : 'no', note: note?.trim() ?? '' });
