"""Asset modules, one per stage; pipelines.definitions loads every module in this package.

Each module holds its assets, the asset checks beside them, and any jobs, schedules and sensors
that belong to that stage.
"""
