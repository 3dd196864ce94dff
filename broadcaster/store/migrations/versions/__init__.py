"""One file per schema revision, oldest first: 0001 is the schema of commit b75b397."""
