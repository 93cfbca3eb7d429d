#!/bin/sh
# cli-export.sh -- rmn-export --onnx against an independent runtime (onnxruntime-node, from
# tools/export/node_modules or NODE_PATH): every family at the 48 profile (width 8, batch-norm
# statistics warmed on sample images) and two models at 224, on the first test images of the
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

# name size channels n
compare() {
    a=$1; s=$2; c=$3; n=$4; w=8
    [ "$s" -ne 48 ] && w=0
    "$ex" --arch "$a" --width $w --image-size "$s" --in-channels "$c" --warm 2 --n "$n" \
        --onnx "$tap_tmp/$a.onnx" --dump "$tap_tmp/$a.bin" 2>"$tap_tmp/err"
    if [ $? -ne 0 ]; then
        ok 1 "$a at $s: export failed: $(head -c 200 "$tap_tmp/err")"
        return
    fi
    if [ $have_ort -eq 0 ]; then
        skip "$a at $s: exported; onnxruntime-node absent"
    else
        msg=$(node "$checker" "$tap_tmp/$a.onnx" "$tap_tmp/$a.bin" 1e-4 2>&1)
        ok $? "$a at $s (width $w): onnxruntime agrees within 1e-4: $msg"
    fi
    rm -f "$tap_tmp/$a.onnx" "$tap_tmp/$a.bin"
}

for a in democnn resnet18 resnet34 resnet50 resnet18-tv48 resnet18_centerloss \
         resnet50_pretrained_vgg resmasking resmasking_dropout1 resmasking_dropout2 \
         resmasking_naive_dropout1 vgg19 densenet121 googlenet inception_v3 efficientnet_b2b \
         cbam_resnet50 bam_resnet50; do
    compare "$a" 48 1 8
done
compare resnet18 224 3 2
compare resnet50_pretrained_vgg 224 3 2

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
