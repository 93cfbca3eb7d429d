#!/bin/sh
# cli-explain.sh -- rmn-explain end to end on small untrained checkpoints (democnn width 8 and
# resmasking_dropout1 width 4, 48x48): --list-layers, a photo (whole and --detect), FER2013
# sample indices, --masks, per-class averages over the sample's test split; PNG files that
# exist and have the figure's size (one tile of 192 px per map plus the face; see
# src/explain/render.h); bad inputs (unknown layer, bad or out-of-range index, missing files,
# --masks without masks, bad class and method) with messages and exit codes 1 and 2;
# rmn-detect --explain; --pdf.
. "${RMN_SRCDIR:-.}/tests/tap.sh"
E=$RMN_BIN/rmn-explain
P=$RMN_SRCDIR/tests/data/photos
RMN_PROGRESS=off
export RMN_PROGRESS
MK=$RMN_BUILDDIR/tests/test-detect-mkmodel
DETECT=--detect # the face detector needs opencv-data's cascades
[ -r /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || DETECT=

png_size() { # FILE -> "W H" from the IHDR chunk
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
# width = 8 + (maps + 1) * 200 + 16 + 28 + 8, height = 8 + 22 + 192 + 8 + 16
W2=460; W6=1260; H=246

"$MK" "$tap_tmp/demo.safetensors" && "$MK" "$tap_tmp/rm.safetensors" 48 4 1 resmasking_dropout1
ok $? "untrained democnn and resmasking_dropout1 checkpoints are written"

"$E" "$tap_tmp/demo.safetensors" --list-layers > "$tap_tmp/layers.txt"
ok $? "--list-layers exits 0"
grep -q '^bn4.relu  *32  *6  *6  (default)$' "$tap_tmp/layers.txt" && grep -q '^fc  *7  *1  *1$' "$tap_tmp/layers.txt"
ok $? "democnn's layers with shapes, the last conv stage marked default"
"$E" "$tap_tmp/rm.safetensors" --list-layers > "$tap_tmp/rmlayers.txt"
grep -q '^layer4.masked  *32  *3  *3  (default)$' "$tap_tmp/rmlayers.txt" && grep -q '^mask1  *4  *24  *24$' "$tap_tmp/rmlayers.txt"
ok $? "resmasking: stage, mask and masked-stage names; layer4.masked is the default"

"$E" "$tap_tmp/demo.safetensors" "$P/astronaut.jpg" -o "$tap_tmp/out" > "$tap_tmp/photo.txt"
ok $? "a photo exits 0"
[ "$(png_size "$tap_tmp/out/astronaut.png")" = "$W2 $H" ]
ok $? "out/astronaut.png is ${W2}x$H: $(png_size "$tap_tmp/out/astronaut.png")"
grep -q "^astronaut.jpg: predicted [a-z]* (0\.[0-9]*), explained [a-z]* at bn4.relu (6x6) -> .*/astronaut.png$" "$tap_tmp/photo.txt"
ok $? "one line per input: $(cat "$tap_tmp/photo.txt")"

"$E" "$tap_tmp/demo.safetensors" --data "$RMN_SAMPLE" --split test --index 0,5,17 \
    --method gradcam++ --class happy --layer bn3.relu -o "$tap_tmp/out" > "$tap_tmp/idx.txt"
ok $? "--data --split test --index 0,5,17 with --method gradcam++ --class happy --layer bn3.relu"
for i in 0 5 17; do
    [ "$(png_size "$tap_tmp/out/test-$i.png")" = "$W2 $H" ] || break
done
ok $? "test-0.png, test-5.png, test-17.png are ${W2}x$H"
[ "$(grep -c 'explained happy at bn3.relu (12x12)' "$tap_tmp/idx.txt")" -eq 3 ]
ok $? "the class and layer asked for are explained"

"$E" "$tap_tmp/rm.safetensors" --masks $DETECT "$P/astronaut.png" --data "$RMN_SAMPLE" --index 3 -o "$tap_tmp/rm" > /dev/null
ok $? "resmasking with --masks on a photo (${DETECT:-no --detect: no cascades}) and a sample image"
[ "$(png_size "$tap_tmp/rm/astronaut.png")" = "$W6 $H" ] && [ "$(png_size "$tap_tmp/rm/test-3.png")" = "$W6 $H" ]
ok $? "figures with Grad-CAM and four masks are ${W6}x$H"

"$E" "$tap_tmp/rm.safetensors" --masks --data "$RMN_SAMPLE" --split test --average -q -o "$tap_tmp/avg" > "$tap_tmp/avg.txt"
ok $? "--average over the sample's test split"
n=$(ls "$tap_tmp/avg" | grep -c '^test-mean-[a-z]*\.png$')
[ "$n" -ge 2 ] && [ "$n" -eq "$(wc -l < "$tap_tmp/avg.txt")" ] && [ "$(png_size "$tap_tmp/avg/test-mean-happy.png")" = "$W6 $H" ]
ok $? "one ${W6}x$H figure per class present ($n)"

# --pdf through gnuplot's pdfcairo; odd characters of a photo's name become '_'
cp "$P/chelsea.jpg" "$tap_tmp/a cat's photo.jpg"
if command -v "${RMN_GNUPLOT:-gnuplot}" > /dev/null 2>&1; then
    "$E" "$tap_tmp/demo.safetensors" --pdf "$tap_tmp/a cat's photo.jpg" -o "$tap_tmp/pdf" > /dev/null
    ok $? "--pdf exits 0"
    [ "$(head -c 4 "$tap_tmp/pdf/a_cat_s_photo.pdf")" = "%PDF" ] && [ -s "$tap_tmp/pdf/a_cat_s_photo.png" ]
    ok $? "a_cat_s_photo.png and a_cat_s_photo.pdf"
else
    skip "no gnuplot: --pdf"
    skip "no gnuplot: --pdf file"
fi

# bad inputs
bad() { # DESCRIPTION EXPECTED-STATUS PATTERN ARGS...
    desc=$1 want=$2 pat=$3
    shift 3
    "$E" "$@" > "$tap_tmp/bad.out" 2> "$tap_tmp/bad.err"
    st=$?
    [ "$st" -eq "$want" ] && grep -q -- "$pat" "$tap_tmp/bad.err"
    ok $? "$desc: exit $st: $(head -1 "$tap_tmp/bad.err")"
}
bad "unknown layer" 2 "no layer named 'layer9' (see --list-layers)" "$tap_tmp/demo.safetensors" --layer layer9 "$P/astronaut.jpg" -o "$tap_tmp/b"
bad "index out of range" 1 "index 99999: not an image of the test split" "$tap_tmp/demo.safetensors" --data "$RMN_SAMPLE" --index 1,99999 -o "$tap_tmp/b"
bad "index not a number" 2 "comma-separated non-negative integers" "$tap_tmp/demo.safetensors" --data "$RMN_SAMPLE" --index 1,x -o "$tap_tmp/b"
bad "missing photo" 1 "nophoto.jpg" "$tap_tmp/demo.safetensors" "$tap_tmp/nophoto.jpg" -o "$tap_tmp/b"
bad "missing checkpoint" 1 "none.safetensors" "$tap_tmp/none.safetensors" "$P/astronaut.jpg" -o "$tap_tmp/b"
bad "missing data file" 1 "nodata.csv" "$tap_tmp/demo.safetensors" --data "$tap_tmp/nodata.csv" --index 0 -o "$tap_tmp/b"
bad "--masks without masks" 2 "democnn has no masks" "$tap_tmp/demo.safetensors" --masks "$P/astronaut.jpg" -o "$tap_tmp/b"
bad "bad class" 2 "--class must be 0..6" "$tap_tmp/demo.safetensors" --class 7 "$P/astronaut.jpg" -o "$tap_tmp/b"
bad "bad method" 2 "--method must be gradcam or gradcam++" "$tap_tmp/demo.safetensors" --method cam "$P/astronaut.jpg" -o "$tap_tmp/b"
bad "no output directory" 2 "no output directory" "$tap_tmp/demo.safetensors" "$P/astronaut.jpg"
bad "a text file as photo" 1 "layers.txt" "$tap_tmp/demo.safetensors" "$tap_tmp/layers.txt" -o "$tap_tmp/b"
# rmn-detect --explain: Grad-CAM over each detected face of the annotated image
if [ -n "$DETECT" ]; then
    "$RMN_BIN/rmn-detect" --model "$tap_tmp/demo.safetensors" -o "$tap_tmp/plain.png" "$P/astronaut.png" > /dev/null &&
        "$RMN_BIN/rmn-detect" --model "$tap_tmp/demo.safetensors" --explain -o "$tap_tmp/expl.png" "$P/astronaut.png" > /dev/null
    ok $? "rmn-detect --explain exits 0"
    [ "$(png_size "$tap_tmp/expl.png")" = "256 256" ] && ! cmp -s "$tap_tmp/plain.png" "$tap_tmp/expl.png"
    ok $? "its annotated image has the photo's size and differs from the plain one"
else
    skip "opencv-data is not installed: rmn-detect --explain"
    skip "opencv-data is not installed: rmn-detect --explain image"
fi
"$RMN_BIN/rmn-detect" --faces-only --explain -o "$tap_tmp/x.png" "$P/astronaut.png" > /dev/null 2> "$tap_tmp/fe.err"
[ $? -eq 2 ] && grep -q -- '--explain needs an emotion model and -o OUT' "$tap_tmp/fe.err"
ok $? "rmn-detect --explain --faces-only is a usage error: $(head -1 "$tap_tmp/fe.err")"

"$E" --help | grep -q '^Usage: rmn-explain'
ok $? "--help prints the usage"
"$E" --version | grep -q '^rmn-explain '
ok $? "--version: $("$E" --version)"
done_testing
