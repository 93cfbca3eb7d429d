# tests/fuzz/targets.sh -- the libFuzzer targets and the longest input each is given
# (-max_len), as NAME:BYTES words. Sourced by tests/fuzz/campaign.sh and tests/fuzz-smoke.sh.
FUZZ_TARGETS="fer-csv:32768 safetensors:4096 cascade:8192 png:8192 jpeg:8192 \
config-json:2048 experiment-json:4096 probs-blob:2048 pickle:8192"
# A target may have a libFuzzer dictionary, tests/fuzz/NAME.dict (json.dict serves both JSON
# targets).
fuzz_dict() {
    case $1 in config-json|experiment-json) echo json.dict ;; *) echo "$1.dict" ;; esac
}
