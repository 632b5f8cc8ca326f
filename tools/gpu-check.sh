#!/usr/bin/env bash
# tools/gpu-check.sh: one command that measures crest on an NVIDIA GPU (docs/PERFORMANCE.md, section GPU).
#
#   tools/gpu-check.sh                 check the machine, build with -Pgpu, make the xlm-roberta-base shape with
#                                      random weights, convert it to fp32/fp16 x plain/fused, and print for each
#                                      bundle, with 1 and 4 tasks per GPU: tokens/s and sequences/s, GPU utilisation
#                                      (nvidia-smi samples) and the share of time spent on host<->device copies
#   tools/gpu-check.sh --check-only    only say what is missing (exit 0 when nothing is)
#   tools/gpu-check.sh --cpu-dry-run   the same sequence on the CPU with the tiny shape, to test the plumbing
#
# Options: --out DIR (work folder, default a new one under ${TMPDIR:-/tmp}; it holds ~4.5 GB of checkpoint and
# bundles, removed at the end unless --keep), --keep, --seconds S (measured seconds per plain-loop run, default 10),
# --rows N (messages of each label-job run, default 1000), --no-job (skip the Spark label-job runs), --budget S
# (default 480: label-job runs that would start after S - 60 seconds are skipped, with a note).
# Needs: an NVIDIA driver (nvidia-smi), CUDA 12 and cuDNN 9 libraries (what onnxruntime_gpu 1.28 loads), Java 17+
# and Maven (installed with apt-get when missing and running as root, as .ci/run does), Maven Central reachable
# for the first build (onnxruntime_gpu is a 742 MB jar). Exit codes: 0 done, 1 a step failed, 3 something missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=gpu
out=""
keep=0
seconds=10
rows=1000
job=1
budget=480
while [ $# -gt 0 ]; do
  case "$1" in
    --check-only) mode=check; shift ;;
    --cpu-dry-run) mode=cpu; shift ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --rows) rows="${2:?--rows needs a number}"; shift 2 ;;
    --no-job) job=0; shift ;;
    --budget) budget="${2:?--budget needs seconds}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*"; }
t_start=$(date +%s)
elapsed() { echo $(( $(date +%s) - t_start )); }

# ---------------------------------------------------------------------------------------------------------------
# 1. What is missing (everything is checked before anything is built or written)
# ---------------------------------------------------------------------------------------------------------------
# libraries libonnxruntime_providers_cuda.so of onnxruntime_gpu 1.28 loads (CUDA 12.x, cuDNN 9.x)
cuda_libs="libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcufft.so.11 libcurand.so.10"
cudnn_libs="libcudnn.so.9"

find_lib() { # prints the path of a shared library found on LD_LIBRARY_PATH, in the usual CUDA folders or by ldconfig
  local name="$1" d
  local IFS=:
  for d in ${LD_LIBRARY_PATH:-} /usr/local/cuda/lib64 /usr/local/cuda-12/lib64 /usr/lib/x86_64-linux-gnu \
           /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -n "$d" ] && [ -e "$d/$name" ] && { echo "$d/$name"; return 0; }
  done
  unset IFS
  if command -v ldconfig >/dev/null 2>&1; then
    ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }' | grep . && return 0
  fi
  return 1
}

missing=()
check_gpu() {
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    missing+=("NVIDIA driver: nvidia-smi is not on PATH (install the NVIDIA driver for your GPU, e.g. apt-get install nvidia-driver-550 or your cloud image's GPU driver)")
    return
  fi
  local gpus
  if ! gpus="$(nvidia-smi -L 2>&1)" || ! grep -q '^GPU ' <<<"$gpus"; then
    missing+=("NVIDIA GPU: nvidia-smi -L lists none ($(head -1 <<<"$gpus"))")
    return
  fi
  say "GPU:    $(grep '^GPU ' <<<"$gpus" | head -4 | tr '\n' ';')"
  local cuda_driver
  cuda_driver="$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\)\.\([0-9]*\).*/\1.\2/p' | head -1)"
  say "driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1), supports CUDA ${cuda_driver:-unknown}"
  if [ -n "$cuda_driver" ] && [ "${cuda_driver%%.*}" -lt 12 ]; then
    missing+=("a driver for CUDA 12: this one supports CUDA $cuda_driver (onnxruntime_gpu 1.28 needs 12.x; update the driver to 525 or newer)")
  fi
}
check_libs() {
  local l p lost=""
  for l in $cuda_libs; do
    if p="$(find_lib "$l")"; then say "found:  $p"; else lost="$lost $l"; fi
  done
  [ -n "$lost" ] && missing+=("CUDA 12 runtime libraries:$lost (install the CUDA 12 runtime, e.g. apt-get install cuda-libraries-12-4 from NVIDIA's repository, or add its lib64 folder to LD_LIBRARY_PATH)")
  lost=""
  for l in $cudnn_libs; do
    if p="$(find_lib "$l")"; then say "found:  $p"; else lost="$lost $l"; fi
  done
  [ -n "$lost" ] && missing+=("cuDNN 9:$lost (install cuDNN 9 for CUDA 12, e.g. apt-get install libcudnn9-cuda-12 from NVIDIA's repository, or add its folder to LD_LIBRARY_PATH)")
  return 0
}
check_java() {
  local major=0
  if command -v java >/dev/null 2>&1; then
    major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  fi
  if [ "${major:-0}" -lt 17 ] || ! command -v mvn >/dev/null 2>&1; then
    if [ "$mode" != check ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing openjdk-17-jdk-headless and maven with apt-get (as .ci/run does)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
    else
      missing+=("Java 17+ and Maven (found java ${major:-none}, mvn $(command -v mvn || echo none)): apt-get install openjdk-17-jdk-headless maven")
    fi
  fi
}

say "== gpu-check ($mode) =="
check_java
if [ "$mode" != cpu ]; then
  check_gpu
  check_libs
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "gpu-check: cannot run, missing:" >&2
  for m in "${missing[@]}"; do say "  - $m" >&2; done
  say "(onnxruntime_gpu 1.28 needs an NVIDIA driver for CUDA 12, the CUDA 12 runtime libraries and cuDNN 9; see docs/PERFORMANCE.md, section GPU)" >&2
  exit 3
fi
say "nothing missing"
[ "$mode" = check ] && exit 0

# ---------------------------------------------------------------------------------------------------------------
# 2. Build, checkpoint, bundles
# ---------------------------------------------------------------------------------------------------------------
if [ "$mode" = gpu ]; then
  say "building with -Pgpu (mvn -B -q -Pgpu -DskipTests clean package; the first build downloads onnxruntime_gpu, 742 MB)"
  mvn -B -q -Pgpu -DskipTests clean package
  shape=base device=cuda callers_list="1 4"
else
  shape=tiny device=cpu callers_list="1 4"
  [ "$seconds" = 10 ] && seconds=3
  [ "$rows" = 1000 ] && rows=100
  [ "$budget" = 480 ] && budget=1500 # a loaded CPU box is slow; the 8-minute budget is for GPU machines
fi
crest() { ./spark-submit.sh "$@"; }
if [ -z "$out" ]; then out="$(mktemp -d "${TMPDIR:-/tmp}/crest-gpu-check-XXXXXX")"; fi
mkdir -p "$out"
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$out/ckpt" "$out"/b-*; fi; }
trap cleanup EXIT
say "work folder: $out (elapsed $(elapsed) s)"
step() { # runs a crest command, prints its last stdout line; on failure its last errors and exit 1
  local o
  if ! o="$(crest "$@" 2>"$out/step.err")"; then
    say "gpu-check: crest $* failed:" >&2
    grep -v ' INFO ' "$out/step.err" | tail -5 >&2
    exit 1
  fi
  tail -1 <<<"$o"
}
step model random --shape "$shape" --output "$out/ckpt"
bundles=""
for prec in fp32 fp16; do
  for graph in plain fused; do
    b="$out/b-$prec-$graph"
    step model convert "$out/ckpt" --output "$b" --precision "$prec" --graph "$graph" --overwrite \
      | sed 's/^Converted .* to XLMRobertaForSequenceClassification in /converted: /'
    bundles="$bundles $b"
  done
done
rm -rf "$out/ckpt"

# ---------------------------------------------------------------------------------------------------------------
# 3. Measure
# ---------------------------------------------------------------------------------------------------------------
sampler=""
start_sampler() { # $1: file; samples utilization.gpu and memory.used of GPU 0 every 200 ms
  if [ "$mode" = gpu ]; then
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -i 0 -lms 200 >"$1" 2>/dev/null &
    sampler=$!
  else
    : >"$1"
  fi
}
stop_sampler() { if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""; fi; }
util_of() { # mean and max utilisation %, max memory MiB of a sample file
  awk -F', *' 'NF >= 2 { n++; s += $1; if ($1 > m) m = $1; if ($2 > mem) mem = $2 }
    END { if (n) printf "util mean %.0f%% max %d%% (%d samples), memory max %d MiB", s / n, m, n, mem; else printf "util n/a (no GPU samples)" }' "$1"
}
json() { # json FILE KEY: a top-level or profile number of a bench-device report
  sed -n "s/.*\"$2\" : \([0-9.eE+-]*\).*/\1/p" "$1" | head -1
}

results="$out/results.txt"
: >"$results"
printf '%-22s %7s %12s %12s %9s %9s %9s  %s\n' bundle tasks tokens/s seq/s host-copy memcpy outside "GPU (during the measured window)" | tee -a "$results"
for b in $bundles; do
  name="${b##*/b-}"
  for callers in $callers_list; do
    log="$out/dev-$name-$callers.log"
    rep="$out/dev-$name-$callers.json"
    prof=""
    [ "$callers" = 1 ] && prof="--profile"
    crest bench-device --model "$b" --device "$device" --batch 64 --seq 128 --callers "$callers" \
      --seconds "$seconds" $prof --report "$rep" >"$log" 2>"$log.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && ! grep -q '^warm: measuring' "$log"; do sleep 0.2; done
    start_sampler "$out/smi-$name-$callers.csv"
    sleep "$seconds"
    stop_sampler
    if ! wait "$pid"; then
      say "gpu-check: bench-device failed on $b with $callers caller(s):" >&2
      tail -5 "$log.err" >&2
      exit 1
    fi
    host=$(awk -v a="$(json "$rep" share_host_tensor_creation)" -v b="$(json "$rep" share_output_read)" 'BEGIN { printf "%.1f%%", 100 * (a + b) }')
    memcpy="-" outside="-"
    if [ -n "$prof" ]; then
      memcpy=$(awk -v a="$(json "$rep" share_memcpy_nodes)" 'BEGIN { printf "%.1f%%", 100 * a }')
      outside=$(awk -v a="$(json "$rep" share_outside_nodes)" 'BEGIN { printf "%.1f%%", 100 * a }')
    fi
    printf '%-22s %7s %12.0f %12.1f %9s %9s %9s  %s\n' "$name" "$callers" "$(json "$rep" tokens_per_s)" \
      "$(json "$rep" sequences_per_s)" "$host" "$memcpy" "$outside" "$(util_of "$out/smi-$name-$callers.csv")" | tee -a "$results"
  done
done

job_run() { # job_run LABEL BUNDLE TASKS [bench options...]: one crest bench run, one table row
  local name="$1" b="$2" callers="$3"
  shift 3
  if [ "$(elapsed)" -gt $(( budget - 60 )) ]; then
    say "(skipped $name with $callers task(s): $(elapsed) s elapsed, budget $budget s)" | tee -a "$results"
    return 0
  fi
  local tag="${name// /-}"
  tag="${tag//[()]/}"
  local rep="$out/job-$tag-$callers.json"
  start_sampler "$out/smi-job-$tag-$callers.csv"
  if ! crest bench --model "$b" --device "$device" --master "local[$callers]" --rows "$rows" \
      --batch-tokens 16384 --max-batch-size 256 --report "$rep" "$@" >"$out/job-$tag-$callers.log" 2>&1; then
    stop_sampler
    say "gpu-check: crest bench failed on $b with local[$callers]:" >&2
    grep -v ' INFO ' "$out/job-$tag-$callers.log" | tail -5 >&2
    exit 1
  fi
  stop_sampler
  local jt pt
  jt=$(tr -d '\n ' <"$rep" | sed -n 's/.*"job":{[^}]*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p')
  pt=$(tr -d '\n ' <"$rep" | sed -n 's/.*"plain":{[^}]*"tokens_per_s":\([0-9.eE+-]*\).*/\1/p')
  printf '%-26s %7s %12.0f %12.0f %12s  %s\n' "$name" "$callers" "${jt:-0}" "${pt:-0}" \
    "$(awk -v a="${jt:-0}" -v b="${pt:-1}" 'BEGIN { printf "%.2fx", a / b }')" \
    "$(util_of "$out/smi-job-$tag-$callers.csv")" | tee -a "$results"
}

if [ "$job" = 1 ]; then
  say ""
  say "label job (crest bench: Spark local[T], T tasks sharing GPU 0 through one session per JVM; the same as"
  say "spark.task.resource.gpu.amount 1/T on an executor with one GPU); GPU sampled over the whole run; each task"
  say "tokenizes its next chunk while the GPU runs the current one (spark.crest.label.prefetch, on for GPUs), and"
  say "the last row is the same run without that:"
  printf '%-26s %7s %12s %12s %12s  %s\n' bundle tasks "job tok/s" "plain tok/s" "job/plain" "GPU" | tee -a "$results"
  for b in "$out/b-fp32-plain" "$out/b-fp16-fused"; do
    for callers in $callers_list; do
      job_run "${b##*/b-}" "$b" "$callers"
    done
  done
  job_run "fp16-fused (no prefetch)" "$out/b-fp16-fused" 1 --conf spark.crest.label.prefetch=off
fi
say ""
say "host-copy: share of each call spent creating the input tensors and reading the output on the host (Java-side"
say "timing around session.run); memcpy: ONNX Runtime profile, Memcpy nodes' share of its run time; outside: the"
say "run time outside all nodes (the graph inputs' and output's own host<->device copies, stream waits). ORT Java"
say "has no IOBinding, so every call copies inputs to the device and the output back."
say "done in $(elapsed) s; results in $results"
