# Shared by the scripts: prints the home of a JDK 25 ($THAW_JAVA_HOME first).
find_jdk25() {
  if [ -n "${THAW_JAVA_HOME:-}" ] && [ -x "$THAW_JAVA_HOME/bin/java" ]; then echo "$THAW_JAVA_HOME"; return 0; fi
  local d
  for d in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25*; do
    [ -x "$d/bin/javac" ] && { echo "$d"; return 0; }
  done
  return 1
}

# For running thaw (a JRE is enough), in a checkout or from the release archive: a JDK 25 as above,
# else $JAVA_HOME or the java on PATH when its release file says Java 25 or later.
find_java25() {
  find_jdk25 && return 0
  local home
  for home in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /nonexistent)")")")"; do
    [ -n "$home" ] && [ -x "$home/bin/java" ] && [ -f "$home/release" ] || continue
    local major
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    [ -n "$major" ] && [ "$major" -ge 25 ] && { echo "$home"; return 0; }
  done
  return 1
}
