/** The version of this Stoa build (shown by `stoa --version`, written into archives). */
export const VERSION = '0.1.0';
