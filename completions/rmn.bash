# rmn.bash -- bash completion for rmn's programs (installed as
# $(datadir)/bash-completion/completions/rmn-exp, linked under each program's name).
# Options come from each program's --help, so they never drift from it; experiments,
# architectures and runs from `rmn-exp names KIND` (the experiment files, the model registry,
# the store named by --db, else $RMN_DB, else rmn.db, opened read-only).

# The store a command line names: --db FILE, --db=FILE (rmn-eval: --store), else $RMN_DB.
_rmn_store() {
    local i w
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --db | --store) echo "${COMP_WORDS[i + 1]}"; return ;;
        --db=* | --store=*) echo "${w#*=}"; return ;;
        esac
    done
    echo "${RMN_DB:-rmn.db}"
}

# One name a line from `rmn-exp names KIND` (nothing when the store is missing).
_rmn_names() {
    local exp=rmn-exp
    [[ ${COMP_WORDS[0]} == */* ]] && exp=${COMP_WORDS[0]%/*}/rmn-exp
    if [[ $1 == runs || $1 == stored-experiments ]]; then
        "$exp" names "$1" --db "$(_rmn_store)" 2>/dev/null
    else
        "$exp" names "$1" 2>/dev/null
    fi
}

_rmn_words() { # WORDS...: complete the current word among them
    mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

_rmn_files() { # [GLOB-EXTENSION]: files (and folders), filtered by extension when given
    if [[ -n $1 ]]; then
        _filedir "$1"
    else
        _filedir
    fi
}

# The values an option takes; returns 1 when it takes none (the option list is then wanted).
_rmn_option_value() {
    local prog=$1 opt=$2
    case $opt in
    --db | --store | --into) _rmn_files db ;;
    --ferplus) _rmn_files csv ;;
    --data) _rmn_files ;;
    --config) _rmn_files json ;;
    --model | --checkpoint) _rmn_files '@(safetensors|pth)' ;;
    --arch) _rmn_words "$(_rmn_names archs)" ;;
    --only) _rmn_words "$(_rmn_names archs)" ;;
    --experiment)
        if [[ $prog == rmn-train || $prog == rmn-eval ]]; then return 0; fi
        _rmn_words "$(_rmn_names stored-experiments)" ;;
    --runs)
        [[ $prog == rmn-exp ]] && return 1 # check --runs takes no value
        _rmn_words "$(_rmn_names runs)" ;;
    --compare) _rmn_words "$(_rmn_names runs)" ;;
    --split) _rmn_words "train val test" ;;
    --table) _rmn_words "zoo ensemble perclass stats runs" ;;
    --terminals) _rmn_words "pdf png latex" ;;
    --detector) _rmn_words "ssd tiny haar lbp" ;;
    --method) _rmn_words "gradcam gradcam++" ;;
    --mode) _rmn_words "fwd bwd train infer eval" ;;
    --backend) _rmn_words "ref cpu dnnl" ;;
    --precision) _rmn_words "fp32 bf16" ;;
    --optimizer) _rmn_words "none sgd radam adam adamw" ;;
    --in-channels) _rmn_words "1 3" ;;
    --checkpoints | --out-dir | --figures) _filedir -d ;;
    -o | --output | --probs | --csv | --jsonl | --onnx | --torch | --dump | --cascade) _rmn_files ;;
    --seed | --epochs | --threads | --tta | --tta-seed | --batch | --width | --image-size | \
        --n | --warm | --steps | --warmup | --resamples | --train | --val | --test | --every | \
        --smooth | --max-frames | --bench | --scale-factor | --min-neighbors | --min-size | \
        --index | --class | --layer | --name | --shape | --op | --suite | --classes | --winograd | \
        --port | --bind | --input-size | --rounds | --frames | --tta-augment | --camera-format | \
        --side)
        ;; # a value only the user knows
    *) return 1 ;;
    esac
    return 0
}

_rmn() {
    local cur prev words cword
    _init_completion -s || return
    local prog=${words[0]##*/}
    if _rmn_option_value "$prog" "$prev"; then
        return
    fi
    if [[ $cur == -* ]]; then
        _rmn_words "$("${words[0]}" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9+-]*' | sort -u)"
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    # the command (or first argument): the first word that is neither an option nor the value
    # of one (an option that takes a value shows it in --help: "--db FILE")
    local valued i cmd=
    valued=" $("${words[0]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]* [A-Z]' | cut -d' ' -f1 | tr '\n' ' ') -o "
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == -* ]] && continue
        [[ $valued == *" ${words[i - 1]} "* ]] && continue
        cmd=${words[i]}
        break
    done
    case $prog in
    rmn-exp)
        case $cmd in
        "") _rmn_words "run check fuse merge resume finish status list show models backup names help" ;;
        run | check | fuse) _rmn_words "$(_rmn_names experiments)"; _rmn_files json ;;
        resume | finish | show) _rmn_words "$(_rmn_names runs)" ;;
        names) _rmn_words "experiments archs runs stored-experiments" ;;
        backup | merge) _rmn_files db ;;
        esac ;;
    rmn-data)
        if [[ -z $cmd ]]; then _rmn_words "info sample"; else _rmn_files; fi ;;
    rmn-eval | rmn-explain | rmn-export | rmn-import)
        if [[ -z $cmd ]]; then _rmn_files '@(safetensors|pth)'; else _rmn_files; fi ;;
    *) _rmn_files ;;
    esac
}

complete -F _rmn rmn-exp rmn-train rmn-eval rmn-ensemble rmn-report rmn-data rmn-detect \
    rmn-explain rmn-import rmn-export rmn-bench rmn-ui
