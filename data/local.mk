# data/local.mk -- the bundled FER2013 sample
