# tests/report.mk -- tests of the report part (included by tests/local.mk)
