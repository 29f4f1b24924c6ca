# Shared by the scripts: prints the home of a JDK 25 ($THAW_JAVA_HOME first).
find_jdk25() {
  if [ -n "${THAW_JAVA_HOME:-}" ] && [ -x "$THAW_JAVA_HOME/bin/java" ]; then echo "$THAW_JAVA_HOME"; return 0; fi
  local d
  for d in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25*; do
    [ -x "$d/bin/javac" ] && { echo "$d"; return 0; }
  done
  return 1
}
