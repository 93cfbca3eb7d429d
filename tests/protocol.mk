# tests/protocol.mk -- tests of the protocol part (included by tests/local.mk)
