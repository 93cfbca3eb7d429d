# src/train/local.mk -- sources of the train module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/train_config.c %D%/train_config.h %D%/config_json.h \
	%D%/experiment_file.c \
	%D%/pretrained.c %D%/pretrained.h \
	%D%/pretrained_pth.c %D%/pretrained_pth.h \
	%D%/pretrained_set.c %D%/pretrained_set.h \
	%D%/center.c %D%/center.h \
	%D%/evaluate.c %D%/evaluate.h \
	%D%/trainer.c %D%/trainer.h %D%/train_state.h \
	%D%/train_state.c %D%/train_epoch.c %D%/train_ranks.c \
	%D%/checkpoint.c %D%/checkpoint.h \
	%D%/runs.c %D%/runs.h \
	%D%/ensemble.c %D%/ensemble.h \
	%D%/experiment.c %D%/experiment.h \
	%D%/validate.c %D%/validate.h
# PyTorch state_dicts into rmn nets (rmn-import, rmn-eval/rmn-detect on a .pth)
src_librmn_a_SOURCES += %D%/import.c %D%/import.h %D%/import_store.c
