# tests/dnnl.mk -- tests of the dnnl part (included by tests/local.mk)
