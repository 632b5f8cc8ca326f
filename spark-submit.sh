#!/usr/bin/env bash
# crest-spark launcher.
#   ./spark-submit.sh label --input IN --output OUT [...]            embedded Spark (local[*]) from the built jar
#   ./spark-submit.sh label --master spark://HOST:7077 --input ...   passes through to a real spark-submit
#                                                                    (SPARK_HOME/bin/spark-submit or spark-submit on PATH)
# Builds the project (mvn package, tests skipped) on first use or when sources changed.
# Environment: CREST_DRIVER_MEMORY (embedded heap, default 4g), CREST_SUBMIT_ARGS (extra spark-submit
# options for cluster runs, e.g. "--deploy-mode cluster --executor-memory 8g"), JAVA (java binary),
# CREST_MAVEN_ARGS (extra arguments for that build, e.g. "-Pgpu"; a GPU build in target/ is rebuilt as one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/crest-spark.jar"
cluster_jar="$here/target/crest-spark-cluster.jar"
lib="$here/target/lib"

if [ ! -f "$jar" ] || [ ! -f "$cluster_jar" ] || [ ! -d "$lib" ] \
   || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  build_args="${CREST_MAVEN_ARGS:-}"
  # a GPU build (tools/gpu-check.sh, mvn -Pgpu) stays a GPU build: never silently swap in the CPU runtime
  if [ -z "$build_args" ] && ls "$lib"/onnxruntime_gpu-*.jar >/dev/null 2>&1; then
    build_args="-Pgpu"
  fi
  echo "crest: building $jar (mvn -DskipTests package $build_args; the first build downloads dependencies)..." >&2
  # shellcheck disable=SC2086
  (cd "$here" && mvn -B -q -DskipTests $build_args package) >&2
fi

master=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --master) master="${2:-}"; shift 2 || { echo "crest: --master needs a URL" >&2; exit 2; } ;;
    --master=*) master="${1#--master=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

flags=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true --enable-native-access=ALL-UNNAMED)

case "$master" in
  ""|local|local\[*)
    # embedded: Spark runs inside this JVM, bound to loopback
    export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
    [ -n "$master" ] && args=("${args[0]}" --master "$master" "${args[@]:1}")
    exec "${JAVA:-java}" "${flags[@]}" -Xmx"${CREST_DRIVER_MEMORY:-4g}" \
      -Dlog4j2.configurationFile="$here/conf/log4j2.properties" \
      -cp "$jar:$lib/*" org.crest.cli.Main "${args[@]}"
    ;;
  *)
    submit=""
    if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
      submit="$SPARK_HOME/bin/spark-submit"
    elif command -v spark-submit >/dev/null 2>&1; then
      submit="$(command -v spark-submit)"
    else
      echo "crest: --master $master needs Spark's spark-submit: set SPARK_HOME or put spark-submit on PATH" >&2
      exit 2
    fi
    # shellcheck disable=SC2086
    exec "$submit" --master "$master" --class org.crest.cli.Main \
      --conf "spark.driver.extraJavaOptions=-Dlog4j2.configurationFile=$here/conf/log4j2.properties" \
      ${CREST_SUBMIT_ARGS:-} "$cluster_jar" "${args[@]}"
    ;;
esac
