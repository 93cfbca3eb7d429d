#!/bin/sh
# cli-detect.sh -- rmn-detect end to end: faces-only text and JSON on the test photos, an
# (untrained) emotion model from --model and $RMN_MODEL, annotated output for one file and for
# a directory, the missing-model message, and bad inputs (truncated PNG/JPEG, a text file
# named .jpg, a missing file, a missing or malformed cascade) with messages and exit codes.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
D=$RMN_BIN/rmn-detect
P=$RMN_SRCDIR/tests/data/photos
CASCADE=/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml
RMN_PROGRESS=off
export RMN_PROGRESS
unset RMN_MODEL RMN_CASCADE
# JSON checks with jq (installed by .ci/install-deps).
jqcheck() { # DESCRIPTION FILE FILTER: passes when the filter yields true
    desc=$1
    if command -v jq > /dev/null 2>&1; then jq -e "$3" "$2" > /dev/null; ok $? "$desc"; else skip "no jq: $desc"; fi
}

if [ ! -r "$CASCADE" ]; then
    skip "opencv-data is not installed"
    done_testing
fi

"$D" --faces-only "$P/astronaut.png" > "$tap_tmp/a.txt" 2> "$tap_tmp/a.err"
ok $? "faces-only on astronaut.png exits 0"
grep -q '^.*astronaut\.png: 1 face$' "$tap_tmp/a.txt"
ok $? "it reports one face: $(head -1 "$tap_tmp/a.txt")"

"$D" --faces-only --json "$P/astronaut.png" "$P/coffee.jpg" "$P/gradient.png" > "$tap_tmp/a.json"
ok $? "faces-only JSON over three photos exits 0"
jqcheck "JSON: one face on the astronaut near (85,28)-(140,85), none on coffee and gradient" "$tap_tmp/a.json" '
  ([.[] | .faces | length] == [1, 0, 0]) and (.[0].faces[0] as $f |
   ($f | keys) == ["xmax", "xmin", "ymax", "ymin"] and
   $f.xmin >= 75 and $f.xmin <= 95 and $f.ymin >= 20 and $f.ymin <= 36 and $f.xmax >= 130 and $f.xmax <= 150) and
  .[0].width == 256 and .[0].height == 256' 

mkdir "$tap_tmp/nomodels"
RMN_MODELS_DIR=$tap_tmp/nomodels "$D" "$P/astronaut.png" > "$tap_tmp/nomodel.out" 2> "$tap_tmp/nomodel.err"
[ $? -eq 1 ] && grep -q "no emotion model is installed (looked at .*$tap_tmp/nomodels/default.safetensors)" "$tap_tmp/nomodel.err" &&
    grep -q -- '--faces-only' "$tap_tmp/nomodel.err"
ok $? "no model: exit 1 naming where it looked: $(cat "$tap_tmp/nomodel.err")"

"$RMN_BUILDDIR/tests/test-detect-mkmodel" "$tap_tmp/m.safetensors"
ok $? "an untrained democnn checkpoint is written"
"$D" --model "$tap_tmp/m.safetensors" --json -o "$tap_tmp/annot.png" "$P/astronaut.jpg" > "$tap_tmp/m.json"
ok $? "--model with --json and -o FILE exits 0"
jqcheck "JSON with a model: emo_label, emo_proba and a 7-entry proba_list in label order" "$tap_tmp/m.json" '
  def abs: if . < 0 then -. else . end;
  .[0].faces[0] as $f | ($f.proba_list | map(to_entries[0])) as $p |
  ($p | map(.key)) == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"] and
  (($p | map(.value) | add) - 1 | abs) < 1e-4 and
  ($p | max_by(.value) | .key) == $f.emo_label and
  ($f.emo_proba - ($p | map(.value) | max) | abs) < 1e-5' 
"$D" --faces-only "$tap_tmp/annot.png" > /dev/null 2>&1
ok $? "the annotated PNG is a readable image"

RMN_MODEL=$tap_tmp/m.safetensors "$D" -q -o "$tap_tmp/outdir" "$P/astronaut.png" "$P/astronaut-gray.jpg" "$P/chelsea.jpg" > "$tap_tmp/dir.txt"
ok $? "\$RMN_MODEL and -o DIR over three photos exits 0"
[ -s "$tap_tmp/outdir/astronaut.png" ] && [ -s "$tap_tmp/outdir/astronaut-gray.jpg" ] && [ -s "$tap_tmp/outdir/chelsea.jpg" ]
ok $? "one annotated file per photo in DIR"
grep -q 'astronaut-gray\.jpg: 1 face' "$tap_tmp/dir.txt" && grep -Eq '^  [0-9]+ [0-9]+ [0-9]+ [0-9]+  [a-z]+ [0-9.]+$' "$tap_tmp/dir.txt"
ok $? "text output: a box, a label and a probability per face"

RMN_PROGRESS=plain "$D" --faces-only -o "$tap_tmp/outdir2" "$P/astronaut.png" "$P/coffee.jpg" > /dev/null 2> "$tap_tmp/prog.err"
grep -q 'detect' "$tap_tmp/prog.err"
ok $? "several files show a progress display on stderr"

# --- bad inputs ---------------------------------------------------------------------------
head -c 20000 "$P/astronaut.png" > "$tap_tmp/trunc.png"
head -c 6000 "$P/astronaut.jpg" > "$tap_tmp/trunc.jpg"
echo "not an image" > "$tap_tmp/text.jpg"
for f in trunc.png trunc.jpg text.jpg missing.png; do
    "$D" --faces-only "$tap_tmp/$f" > /dev/null 2> "$tap_tmp/bad.err"
    [ $? -eq 1 ] && grep -q "^rmn-detect: error: .*$f" "$tap_tmp/bad.err"
    ok $? "$f: exit 1 with a message naming it: $(cat "$tap_tmp/bad.err")"
done
"$D" --faces-only --json "$P/astronaut.png" "$tap_tmp/text.jpg" > "$tap_tmp/mixed.json" 2> /dev/null
[ $? -eq 1 ]
ok $? "a bad file among good ones: exit 1"
jqcheck "the good file is processed, the bad one is an error entry" "$tap_tmp/mixed.json" '(.[0].faces | length) == 1 and (.[1] | has("error"))' 

"$D" --faces-only --cascade "$tap_tmp/none.xml" "$P/astronaut.png" > /dev/null 2> "$tap_tmp/c.err"
[ $? -eq 1 ] && grep -q 'none\.xml: cannot open cascade' "$tap_tmp/c.err"
ok $? "a missing cascade: exit 1 naming it"
printf '<?xml version="1.0"?>\n<opencv_storage>\n<cascade>\n</opencv_storage>\n' > "$tap_tmp/bad.xml"
"$D" --faces-only --cascade "$tap_tmp/bad.xml" "$P/astronaut.png" > /dev/null 2> "$tap_tmp/c.err"
[ $? -eq 1 ] && grep -q 'bad\.xml:4: malformed XML' "$tap_tmp/c.err"
ok $? "a malformed cascade: exit 1 with file and line: $(cat "$tap_tmp/c.err")"
chmod 000 "$tap_tmp/bad.xml"
if [ "$(id -u)" != 0 ]; then
    "$D" --faces-only --cascade "$tap_tmp/bad.xml" "$P/astronaut.png" > /dev/null 2> "$tap_tmp/c.err"
    [ $? -eq 1 ] && grep -q 'bad\.xml: cannot open cascade: Permission denied' "$tap_tmp/c.err"
    ok $? "an unreadable cascade: exit 1 (permission denied)"
else
    skip "running as root: file permissions are not enforced"
fi
"$D" --faces-only --cascade lbpcascade_frontalface.xml "$P/astronaut.png" | grep -q ': 1 face$'
ok $? "--cascade with a bare opencv-data name (LBP) finds the face"
"$D" --model "$tap_tmp/missing.safetensors" "$P/astronaut.png" > /dev/null 2> "$tap_tmp/mm.err"
[ $? -eq 1 ] && grep -q 'missing\.safetensors' "$tap_tmp/mm.err"
ok $? "a missing model file: exit 1 naming it"
"$D" > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "no IMAGE: exit 2"
"$D" --scale-factor 1 x.png > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "scale factor 1: exit 2"
"$D" --faces-only -o "$tap_tmp/out.gif" "$P/astronaut.png" > /dev/null 2>&1; [ $? -eq 2 ]
ok $? "-o with an unknown extension: exit 2"
"$D" --faces-only --bench 2 "$P/astronaut.png" > "$tap_tmp/bench.txt"
grep -q '^detect: [0-9.]* images/s' "$tap_tmp/bench.txt"
ok $? "--bench prints images/s: $(tail -1 "$tap_tmp/bench.txt")"
"$RMN_BIN/rmn-bench" --detect --checkpoint "$tap_tmp/m.safetensors" --steps 2 --threads 1 --json "$P/astronaut.png" "$P/coffee.jpg" > "$tap_tmp/rb.json"
ok $? "rmn-bench --detect over two photos exits 0"
jqcheck "rmn-bench --detect: 4 runs, images/s for detection and with classification, 0.5 faces per image" "$tap_tmp/rb.json" '
  .kind == "detect" and .images == 2 and .runs == 4 and .detect_images_per_s > 0 and
  .detect_classify_images_per_s > 0 and .faces_per_image == 0.5 and .model == "democnn"'
"$RMN_BIN/rmn-bench" --detect --faces-only > /dev/null 2>&1; [ $? -eq 2 ]; ok $? "rmn-bench --detect without IMAGE: exit 2"
done_testing
