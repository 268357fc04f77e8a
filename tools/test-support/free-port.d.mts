/** A port on 127.0.0.1 free for TCP and UDP, from this process's block below the ephemeral range. */
export declare function freePort(): Promise<number>;
