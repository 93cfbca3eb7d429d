# tests/io.mk -- tests of the file formats (included by tests/local.mk)
