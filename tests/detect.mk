# tests/detect.mk -- tests of the detect part (included by tests/local.mk)
