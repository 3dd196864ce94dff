"""Programme: when things air.

`slots` holds the broadcast slots (the TOML file and its rows) and their occurrences as pure
functions of a time; `planning` arranges the approved bulletins into each occurrence;
`periods` turns a week, month, quarter or year into UTC bounds for the Office. Planning
never imports the sound: it reads only the rendering rows."""
