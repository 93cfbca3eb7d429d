# tests/store.mk -- tests of the store part (included by tests/local.mk)
