package dev.thaw.config;

import dev.thaw.ThawException;

/** A setting with a value thaw cannot use; the message names the setting, the source and what is accepted. */
public final class SettingException extends ThawException {
    private static final long serialVersionUID = 1L;

    public SettingException(String message) {
        super(EXIT_USAGE, message);
    }
}
