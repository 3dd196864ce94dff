"""Evidence: the hash-chained record of what was aired and who changed what.

`ledger` seals airing events into one chain and keeps its heads outside the database (anchor
files); `witness` hands each head to the witness command on a worker of its own; `verify` walks the chain; `audit` chains every change made by staff the
same way; `checkpoint` remembers the last verified chain head so a report walks only what was
added since. Light modules: no sound, no web."""
