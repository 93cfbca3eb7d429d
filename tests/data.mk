# tests/data.mk -- tests of the data part (included by tests/local.mk)
