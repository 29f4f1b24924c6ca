package dev.thaw.cli;

import dev.thaw.lifecycle.control.ControlMessage;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "reload", description = "Rolling restart of a running pool (like HUP): each worker is replaced by a fresh restore, the new one ready before the old one drains.")
public final class ReloadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ControlMessage.Reply reply = PoolClient.request(spec, new ControlMessage.Reload());
        spec.commandLine().getOut().println("thaw: " + (reply.message().isEmpty() ? "ok" : reply.message()));
        return 0;
    }
}
