package dev.thaw.cli;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reload", description = "Rolling restart of a running pool (like HUP): each worker is replaced by a fresh restore, the new one ready before the old one drains.")
public final class ReloadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${env:THAW_SOCKET:-/run/thaw/thaw.sock}",
            description = "Control socket of the pool (default: ${DEFAULT-VALUE}).")
    Path socket;

    @Override
    public Integer call() {
        Message reply = PoolClient.request(socket, Message.of(MessageType.RELOAD));
        spec.commandLine().getOut().println("thaw: " + reply.get("message").orElse("ok"));
        return 0;
    }
}
