# Sourced by ./lopt and benchmarks/run: makes JAVA_HOME a JDK 25 or newer, or fails with one line.
# Keeps a JAVA_HOME that is already 25+, else tries Temurin 25's usual path, else the `java` on the PATH.
# Usage: . bin/jdk.sh; lopt_select_jdk NAME   (NAME prefixes the error message)

lopt_java_major() { "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'; }

lopt_select_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ "$(lopt_java_major "$JAVA_HOME/bin/java" 2>/dev/null || echo 0)" -ge 25 ] 2>/dev/null; then
    export JAVA_HOME
  elif [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  elif command -v java >/dev/null && [ "$(lopt_java_major java)" -ge 25 ] 2>/dev/null; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    export JAVA_HOME
  else
    echo "${1:-lopt}: needs JDK 25 or newer; set JAVA_HOME (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
    return 1
  fi
  # Maven (./mvnw) and any plain `java` then use the same JDK.
  export PATH="$JAVA_HOME/bin:$PATH"
}
