"""The daemon: the one process that airs (`broadcaster run`).

`process` holds the APScheduler daemon: one cron job per slot, the housekeeping jobs, the
lease heartbeat. Like the web page and the command line it is a front door: it reaches the
pipeline through `broadcaster.services`."""
