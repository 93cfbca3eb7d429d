# install.mk -- what `make install` puts beside the programs and their data (included by
# Makefile.am): librmn with its headers and a pkg-config file (rmn.pc), a man page per program
# made from its --help (help2man), bash and zsh completion. docs/INSTALL.md.

# --- librmn: the static library (lib_LIBRARIES in Makefile.am), every module's headers in
# PREFIX/include/rmn/MODULE/ (the layout the sources include them by) and rmn.h, which includes
# the ones a program needs to train and evaluate
rmnincdir = $(includedir)/rmn
rmninc_HEADERS = src/rmn.h
rmnincbenchdir = $(rmnincdir)/bench
rmnincbench_HEADERS = src/bench/bench.h
rmninccoredir = $(rmnincdir)/core
rmninccore_HEADERS = src/core/args.h src/core/datadir.h src/core/env.h src/core/error.h \
	src/core/log.h src/core/pickle.h src/core/precision.h src/core/progress.h src/core/provenance.h \
	src/core/pth.h 	src/core/rng.h src/core/safetensors.h src/core/sha256.h src/core/suggest.h src/core/threads.h
rmnincdatadir = $(rmnincdir)/data
rmnincdata_HEADERS = src/data/augment.h src/data/batch.h src/data/dataset.h src/data/fer2013.h \
	src/data/fer_cache.h src/data/fer_parse.h src/data/ferplus.h src/data/folder.h \
	src/data/folder_cache.h src/data/info.h src/data/resample.h src/data/sample.h
rmnincdetectdir = $(rmnincdir)/detect
rmnincdetect_HEADERS = src/detect/align.h src/detect/cascade.h src/detect/cnn.h \
	src/detect/cnn_layer.h src/detect/detect.h src/detect/detector.h src/detect/face.h \
	src/detect/facenet.h src/detect/faces.h src/detect/inputs.h src/detect/integral.h \
	src/detect/model.h src/detect/paths.h src/detect/ssd.h src/detect/tfjs.h \
	src/detect/tinyface.h
rmnincexplaindir = $(rmnincdir)/explain
rmnincexplain_HEADERS = src/explain/cam.h src/explain/figure.h src/explain/render.h
rmnincexportdir = $(rmnincdir)/export
rmnincexport_HEADERS = src/export/onnx.h src/export/pb.h src/export/pth.h \
	src/export/torchnames.h src/export/writefile.h
rmnincimagedir = $(rmnincdir)/image
rmnincimage_HEADERS = src/image/draw.h src/image/image.h
rmnincmodelsdir = $(rmnincdir)/models
rmnincmodels_HEADERS = src/models/model.h src/models/zoo.h
rmnincnndir = $(rmnincdir)/nn
rmnincnn_HEADERS = src/nn/builder.h src/nn/net.h src/nn/view.h
rmnincoptimdir = $(rmnincdir)/optim
rmnincoptim_HEADERS = src/optim/adam.h src/optim/optimizer.h src/optim/schedule.h \
	src/optim/sgd.h
rmnincreportdir = $(rmnincdir)/report
rmnincreport_HEADERS = src/report/fig_util.h src/report/figures.h src/report/format.h \
	src/report/gnuplot.h src/report/paper.h src/report/report.h src/report/run_figures.h \
	src/report/sbuf.h src/report/set.h src/report/stats.h src/report/table.h
rmnincstoredir = $(rmnincdir)/store
rmnincstore_HEADERS = src/store/store.h src/store/store_query.h
rmninctensordir = $(rmnincdir)/tensor
rmninctensor_HEADERS = src/tensor/backend.h src/tensor/blocked16.h src/tensor/dnnl_backend.h \
	src/tensor/gemm.h src/tensor/hardswish.h src/tensor/ops.h
rmninctraindir = $(rmnincdir)/train
rmninctrain_HEADERS = src/train/center.h src/train/checkpoint.h src/train/ensemble.h \
	src/train/evaluate.h src/train/experiment.h src/train/import.h src/train/pretrained.h \
	src/train/pretrained_pth.h src/train/pretrained_set.h src/train/runs.h \
	src/train/train_config.h src/train/trainer.h src/train/validate.h
rmnincuidir = $(rmnincdir)/ui
rmnincui_HEADERS = src/ui/api.h
rmnincvideodir = $(rmnincdir)/video
rmnincvideo_HEADERS = src/video/pipe.h src/video/run.h src/video/track.h src/video/video.h \
	src/video/window.h

# rmn.pc: a static library, so Libs holds every library it stands on (as the programs link,
# sanitizers included);
# the folders relative to ${prefix} where they lie in it, so --define-variable=prefix=DIR moves
# them all (a DESTDIR install, a copied tree)
pkgconfigdir = $(libdir)/pkgconfig
nodist_pkgconfig_DATA = rmn.pc
rmn.pc: $(srcdir)/rmn.pc.in Makefile
	$(AM_V_GEN)rel() { case $$1 in '$(prefix)'/*) echo "\$${prefix}$${1#'$(prefix)'}" ;; \
	    *) echo "$$1" ;; esac; }; \
	sed -e 's|@prefix[@]|$(prefix)|g' -e "s|@libdir[@]|`rel '$(libdir)'`|g" \
	    -e "s|@includedir[@]|`rel '$(includedir)'`|g" -e "s|@pkgdatadir[@]|`rel '$(pkgdatadir)'`|g" \
	    -e 's|@VERSION[@]|$(VERSION)|g' \
	    -e 's|@RMN_PC_CFLAGS[@]|$(RMN_DEP_CFLAGS) $(OPENMP_CFLAGS) $(PTHREAD_CFLAGS)|g' \
	    -e 's|@RMN_PC_LIBS[@]|$(RMN_DEP_LIBS) $(OPENMP_CFLAGS) $(PTHREAD_CFLAGS) $(SAN_CFLAGS)|g' \
	    $(srcdir)/rmn.pc.in | tr -s ' ' > $@.tmp && mv $@.tmp $@
CLEANFILES += rmn.pc
EXTRA_DIST += rmn.pc.in examples/eval.c

# --- man pages: src/PROGRAM.1 from `PROGRAM --help` (cli/convention.h's convention: the synopsis
# lines, then a one-line summary, which becomes NAME), so a page cannot drift from its program
RMN_MANS = $(bin_PROGRAMS:=.1)
if HAVE_HELP2MAN
nodist_man1_MANS = $(RMN_MANS)
endif
$(RMN_MANS): src/man.stamp
src/man.stamp: $(bin_PROGRAMS)
	$(AM_V_GEN)for p in $(bin_PROGRAMS); do \
	    name=`$$p --help | sed -n '/^Usage:/d; /^  or:/d; /^[A-Z]/{s/^\(.\)/\L\1/; s/\.$$//; p; q; }'`; \
	    [ -n "$$name" ] || name="a program of rmn"; \
	    $(HELP2MAN) --no-info --version-string='$(VERSION)' --source='rmn $(VERSION)' \
	        --name="$$name" --output=$$p.1 $$p || exit 1; \
	done; touch $@
CLEANFILES += $(RMN_MANS) src/man.stamp

# --- shell completion: one bash script, installed under each program's name (bash-completion
# loads completions by command name), and one zsh function
bashcompdir = $(datadir)/bash-completion/completions
zshcompdir = $(datadir)/zsh/site-functions
dist_zshcomp_DATA = completions/_rmn
EXTRA_DIST += completions/rmn.bash
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(bashcompdir)'
	$(INSTALL_DATA) '$(srcdir)/completions/rmn.bash' '$(DESTDIR)$(bashcompdir)/rmn-exp'
	for p in $(bin_PROGRAMS); do n=$${p##*/}; [ $$n = rmn-exp ] && continue; \
	    rm -f "$(DESTDIR)$(bashcompdir)/$$n"; \
	    (cd '$(DESTDIR)$(bashcompdir)' && $(LN_S) rmn-exp "$$n") || exit 1; done
uninstall-local:
	for p in $(bin_PROGRAMS); do rm -f "$(DESTDIR)$(bashcompdir)/$${p##*/}"; done
