# data/local.mk -- the bundled FER2013 sample (installed, so the programs find it after make install)
dist_pkgdata_DATA += %D%/fer2013-sample.csv.xz
EXTRA_DIST += %D%/README.md %D%/make-sample.sh
