"""Reports: what the Office takes away.

`rows` streams a period's airings from the database; `summary` counts them by topic, month
and slot against the plan (`plan`) and writes the CSV; `xlsx_file` and `docx_file` write the
spreadsheet and the Word report; `airing_log` exports the raw log (JSON, CSV); `pack` zips it
all for an inspector; `cells` keeps spreadsheet cells from running as formulas."""
