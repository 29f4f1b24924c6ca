package dev.thaw.it.apps;

/** A user's client interface, the kind of thing code keeps in a static field. */
public interface Greeter {
    String greet(String name);
}
