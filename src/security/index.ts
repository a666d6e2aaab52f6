// The security feature's public face: nothing yet; other features do not reach into SIP bans.
export {};
