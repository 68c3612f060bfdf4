"""File formats in and out: word files (CSV, JSON) and the seed, review logs, Anki decks and
xAPI statements. Readers are streams that name the line of every problem (BadInput);
writers turn rows into bytes. Nothing here touches the database or HTTP."""
