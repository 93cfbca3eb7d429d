#!/bin/sh
# cli-export.sh -- rmn-export --onnx against an independent runtime (onnxruntime-node, from
# tools/export/node_modules or NODE_PATH): every registered architecture at the 48 profile
# (width 8, batch-norm statistics warmed on sample images), four models at 224 and one with
# ONNX external data, on the first test images of the
# bundled sample, within 1e-4 of rmn's own eval logits, at batch 8 (2 at 224) and 1. Skips
# those checks with a message when node or onnxruntime-node is absent. Also: usage errors, and
# a checkpoint exported (the ONNX file and the .pth are written; the .pth's structure is
# checked by tests/test-export-pth without Python).
. "${RMN_SRCDIR:-.}/tests/tap.sh"
ex="$RMN_BIN/rmn-export"
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}$RMN_SRCDIR/tools/export/node_modules"
checker="$RMN_SRCDIR/tools/export/check_onnx.js"

"$ex" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 2 ]; ok $? "no arguments: usage, exit 2"
"$ex" --arch resnet18 --width 8 >/dev/null 2>"$tap_tmp/err"
[ $? -eq 2 ] && grep -q "nothing to do" "$tap_tmp/err"; ok $? "no output named: usage, exit 2"
"$ex" --arch nosuch --onnx "$tap_tmp/x.onnx" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && grep -q "nosuch" "$tap_tmp/err"; ok $? "unknown arch: exit 1 naming it"
"$ex" "$tap_tmp/missing.safetensors" --onnx "$tap_tmp/x.onnx" >/dev/null 2>"$tap_tmp/err"
[ $? -eq 1 ] && [ ! -e "$tap_tmp/x.onnx" ]; ok $? "a missing checkpoint: exit 1, nothing written"

have_ort=0
if [ -f "$checker" ] && command -v node >/dev/null 2>&1 && node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
    have_ort=1
else
    diag "node or onnxruntime-node absent: the ONNX runtime comparisons skip" \
         "(cd tools/export && npm install --ignore-scripts)"
fi

# name size channels n [width] [more rmn-export options]
compare() {
    a=$1; s=$2; c=$3; n=$4; w=${5:-8}; more=$6
    [ "$s" -ne 48 ] && w=0
    "$ex" --arch "$a" --width $w --image-size "$s" --in-channels "$c" --warm 2 --n "$n" \
        --onnx "$tap_tmp/$a.onnx" --dump "$tap_tmp/$a.bin" $more 2>"$tap_tmp/err"
    if [ $? -ne 0 ]; then
        ok 1 "$a at $s: export failed: $(head -c 200 "$tap_tmp/err")"
        return
    fi
    if [ $have_ort -eq 0 ]; then
        skip "$a at $s: exported; onnxruntime-node absent"
    else
        msg=$(node "$checker" "$tap_tmp/$a.onnx" "$tap_tmp/$a.bin" 1e-4 2>&1)
        ok $? "$a at $s (width $w${more:+, $more}): onnxruntime agrees within 1e-4: $msg"
    fi
    rm -f "$tap_tmp/$a.onnx" "$tap_tmp/$a.onnx.data" "$tap_tmp/$a.bin"
}

# every registered architecture at 48 (resmasking50_dropout1 at width 4: its masks are large;
# cbam_resnet34 at 16: its basic units' CBAM MLP has C/16 channels, C = width at stage 1)
archs=$("$RMN_BIN/rmn-exp" models --json | grep '"profile": "48"' | sed 's/.*"name": *"\([^"]*\)".*/\1/')
[ "$(echo "$archs" | wc -w)" -ge 23 ]; ok $? "the registry lists $(echo "$archs" | wc -w) architectures at 48"
for a in $archs; do
    case "$a" in
    resmasking50_dropout1) compare "$a" 48 1 8 4 ;;
    cbam_resnet34) compare "$a" 48 1 8 16 ;;
    *) compare "$a" 48 1 8 ;;
    esac
done
compare resnet18 224 3 2
compare resnet50_pretrained_vgg 224 3 2
compare googlenet 224 3 2   # with torchvision's transform_input: Mul, Add on the input
compare efficientnet_b2b 224 3 2   # pytorchcv's TF-"same": pads 0/1 (3x3), 1/2 (5x5) at stride 2
# ONNX external data (the tensors in OUT.onnx.data: what models over 1 GiB always get)
compare resnet50 48 1 8 8 --external-data
"$ex" --arch resnet18 --width 8 --onnx "$tap_tmp/e.onnx" --external-data 2>"$tap_tmp/err" &&
    [ -s "$tap_tmp/e.onnx.data" ] && [ "$(wc -c <"$tap_tmp/e.onnx")" -lt 100000 ] &&
    grep -q 'e.onnx.data' "$tap_tmp/e.onnx" && [ -z "$(ls "$tap_tmp" | grep 'tmp\.')" ]
ok $? "--external-data: a small model file naming its data file, the tensors beside it, no temporaries"

# A checkpoint (an rmn-train run's best) exported both ways.
if RMN_PROGRESS=plain "$RMN_BIN/rmn-train" --config "$RMN_SRCDIR/tests/data/tiny-config.json" \
       --db "$tap_tmp/t.db" --checkpoints "$tap_tmp/ck" --epochs 1 >/dev/null 2>"$tap_tmp/err"; then
    ck=$(find "$tap_tmp/ck" -name '*.safetensors' | head -1)
else
    ck=
fi
if [ -n "$ck" ]; then
    "$ex" "$ck" --onnx "$tap_tmp/ck.onnx" --torch "$tap_tmp/ck.pth" --dump "$tap_tmp/ck.bin" \
        2>"$tap_tmp/err"
    ok $? "a checkpoint exports to ONNX and .pth: $(head -c 200 "$tap_tmp/err")"
    if [ $have_ort -eq 1 ]; then
        msg=$(node "$checker" "$tap_tmp/ck.onnx" "$tap_tmp/ck.bin" 1e-4 2>&1)
        ok $? "the checkpoint's ONNX agrees within 1e-4: $msg"
    fi
    # the same checkpoint as the trunk of a new run (pretrained: the head is new)
    sed "s|\"arch\"|\"pretrained\": \"$ck\", \"model_name\": \"pre\", \"arch\"|; s|\"model_name\": \"tiny-config\", ||" \
        "$RMN_SRCDIR/tests/data/tiny-config.json" >"$tap_tmp/pre.json"
    RMN_PROGRESS=plain "$RMN_BIN/rmn-train" --config "$tap_tmp/pre.json" --db "$tap_tmp/t.db" \
        --checkpoints "$tap_tmp/ck2" --epochs 1 >/dev/null 2>"$tap_tmp/err"
    ok $? "rmn-train from that checkpoint as pretrained trunk: $(grep -i error "$tap_tmp/err" | head -c 200)"
else
    skip "no checkpoint from rmn-train here: $(head -c 160 "$tap_tmp/err")"
fi
done_testing
