# tests/train.mk -- tests of the train part (included by tests/local.mk)
