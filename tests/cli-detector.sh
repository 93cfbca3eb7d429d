#!/bin/sh
# cli-detector.sh -- rmn-detect --detector ssd|tiny|haar|lbp and rmn-bench --detect --detector:
# the faces each finds on the test photos (one on each astronaut picture, none on coffee and
# the gradient), the default choice said once on stderr, clear errors for an unknown detector
# and for missing weights. The CNN parts skip without face-api's weights.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
D=$RMN_BIN/rmn-detect
P=$RMN_SRCDIR/tests/data/photos
RMN_PROGRESS=off
export RMN_PROGRESS
unset RMN_MODEL RMN_CASCADE RMN_DETECTOR
have_cnn=0
"$RMN_BUILDDIR/tests/test-facenet" --print "$P/coffee.jpg" > /dev/null 2>&1 && have_cnn=1

for det in haar lbp ssd tiny; do
    case $det in ssd | tiny) if [ $have_cnn = 0 ]; then skip "$det: face-api weights not installed"; continue; fi ;; esac
    "$D" --faces-only --detector $det "$P/astronaut.png" "$P/astronaut-gray.jpg" "$P/coffee.jpg" "$P/gradient.png" \
        > "$tap_tmp/$det.txt" 2> "$tap_tmp/$det.err"
    ok $? "--detector $det exits 0"
    grep -q "astronaut.png: 1 face$" "$tap_tmp/$det.txt" && grep -q "astronaut-gray.jpg: 1 face$" "$tap_tmp/$det.txt" &&
        grep -q "coffee.jpg: 0 faces" "$tap_tmp/$det.txt" && grep -q "gradient.png: 0 faces" "$tap_tmp/$det.txt"
    ok $? "--detector $det: one face on each astronaut picture, none on coffee and the gradient"
    [ ! -s "$tap_tmp/$det.err" ]; ok $? "--detector $det given: nothing on stderr"
done
if [ $have_cnn = 1 ]; then
    "$D" --faces-only "$P/astronaut.png" > /dev/null 2> "$tap_tmp/def.err"
    [ "$(grep -c 'SSD' "$tap_tmp/def.err")" -eq 1 ]; ok $? "default: ssd, said once on stderr"
else
    skip "default ssd: weights not installed"
fi
RMN_FACE_MODELS=$tap_tmp/none "$D" --faces-only "$P/astronaut.png" > "$tap_tmp/nw.txt" 2> "$tap_tmp/nw.err"
[ $? -eq 0 ] && grep -q "not installed.*HAAR" "$tap_tmp/nw.err" && grep -q face "$tap_tmp/nw.txt"
ok $? "without weights the default is the HAAR cascade, said on stderr"
RMN_FACE_MODELS=$tap_tmp/none "$D" --faces-only --detector ssd "$P/astronaut.png" > /dev/null 2> "$tap_tmp/nw2.err"
[ $? -eq 1 ] && grep -q "needs face-api's weights.*$tap_tmp/none" "$tap_tmp/nw2.err"
ok $? "--detector ssd without weights: exit 1 naming where it looked"
"$D" --faces-only --detector yolo "$P/astronaut.png" > /dev/null 2> "$tap_tmp/bad.err"
[ $? -eq 2 ] && grep -q "unknown detector 'yolo'" "$tap_tmp/bad.err"
ok $? "unknown detector: exit 2"
if [ $have_cnn = 1 ]; then
    "$RMN_BIN/rmn-bench" --detect --detector all --faces-only --steps 1 --json "$P/astronaut.png" > "$tap_tmp/b.json"
    [ $? -eq 0 ] && [ "$(grep -c '"detect_images_per_s"' "$tap_tmp/b.json")" -eq 4 ]
    ok $? "rmn-bench --detect --detector all: one line per detector"
else
    skip "rmn-bench --detector all: weights not installed"
fi
if [ $have_cnn = 1 ]; then
    "$RMN_BUILDDIR/tests/test-detect-mkmodel" "$tap_tmp/al.safetensors"
    "$D" --model "$tap_tmp/al.safetensors" --detector tiny --align --csv "$tap_tmp/al.csv" "$P/astronaut.png" "$P/coffee.jpg" > /dev/null 2>&1 &&
        "$D" --model "$tap_tmp/al.safetensors" --detector tiny --no-align --csv "$tap_tmp/na.csv" "$P/astronaut.png" "$P/coffee.jpg" > /dev/null 2>&1 &&
        [ "$(cut -d, -f1-6 "$tap_tmp/al.csv")" = "$(cut -d, -f1-6 "$tap_tmp/na.csv")" ] && [ "$(wc -l < "$tap_tmp/al.csv")" -eq 2 ]
    ok $? "--align and --no-align: the same faces and boxes (only the crop is rotated)"
else
    skip "--align: weights not installed"
fi
if [ $have_cnn = 1 ] && [ -n "$RMN_SAMPLE" ]; then
    "$RMN_BUILDDIR/tests/test-facenet" --peer "$RMN_SAMPLE" 20 > "$tap_tmp/peer.txt" 2>&1
    [ $? -eq 0 ] && grep -q "20 images: shipped model [0-9.]*%, shipped model with eye alignment [0-9.]*%, face-api expression net [0-9.]*%" "$tap_tmp/peer.txt"
    ok $? "the peer comparison runs on the sample's PrivateTest (20 images here): $(cat "$tap_tmp/peer.txt")"
else
    skip "peer comparison: weights or sample missing"
fi
# directories, -r, --no-detect, --csv (cascade: no weights needed)
mkdir -p "$tap_tmp/d/sub"
cp "$P/astronaut.png" "$tap_tmp/d/b.png"; cp "$P/coffee.jpg" "$tap_tmp/d/a.JPG"
cp "$P/astronaut-gray.jpg" "$tap_tmp/d/sub/c.jpg"; echo text > "$tap_tmp/d/notes.txt"
"$D" --faces-only --detector haar "$tap_tmp/d" > "$tap_tmp/d1.txt" 2>&1
[ $? -eq 0 ] && [ "$(grep -c ': [0-9]* face' "$tap_tmp/d1.txt")" -eq 2 ] && head -1 "$tap_tmp/d1.txt" | grep -q "a.JPG: 0 faces"
ok $? "a directory is read for its images, sorted, without subdirectories"
"$D" --faces-only --detector haar -r --csv "$tap_tmp/d.csv" "$tap_tmp/d" > "$tap_tmp/d2.txt" 2>&1
[ $? -eq 0 ] && grep -q "sub/c.jpg: 1 face" "$tap_tmp/d2.txt"
ok $? "-r walks subdirectories"
head -1 "$tap_tmp/d.csv" | grep -qx "file,face_id,xmin,ymin,xmax,ymax,angry,disgust,fear,happy,sad,surprise,neutral,emo_label" &&
    [ "$(wc -l < "$tap_tmp/d.csv")" -eq 3 ] && grep -q "b.png,0,[0-9]*,[0-9]*,[0-9]*,[0-9]*,,,,,,,," "$tap_tmp/d.csv"
ok $? "--csv: header and one row per face (empty probabilities without a model)"
"$RMN_BUILDDIR/tests/test-detect-mkmodel" "$tap_tmp/m.safetensors"
"$D" --model "$tap_tmp/m.safetensors" --no-detect --csv "$tap_tmp/n.csv" "$P/coffee.jpg" "$P/astronaut.png" > "$tap_tmp/n.txt" 2>&1
[ $? -eq 0 ] && grep -q "^$P/coffee.jpg,0,0,0,300,200,0\.[0-9]*,.*,[a-z]*$" "$tap_tmp/n.csv" && [ "$(wc -l < "$tap_tmp/n.csv")" -eq 3 ]
ok $? "--no-detect: each image is one face of its own size, classified"
done_testing
