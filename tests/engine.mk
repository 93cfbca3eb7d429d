# tests/engine.mk -- tests of the engine part (included by tests/local.mk)
