// Durable port: API tokens for automation on the admin API. A token is shown once when it is
// created; the store keeps only its SHA-256 (tokens are 256-bit random strings, so a fast hash is
// enough: there is nothing to brute-force), and finds a token by that hash.

export interface ApiToken {
  /** Unique label chosen by the administrator (`deskchat admin token create NAME`). */
  name: string;
  /** Hex SHA-256 of the whole token string. */
  hash: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Who created it (`admin:NAME` or `cli`). */
  createdBy: string;
}

export type ApiTokenSummary = Omit<ApiToken, 'hash'>;

export interface ApiTokenStore {
  /** `false` when the name is taken (nothing changes then). */
  createToken(token: ApiToken): Promise<boolean>;
  findTokenByHash(hash: string): Promise<ApiToken | undefined>;
  /** `false` when there was no such token. */
  revokeToken(name: string): Promise<boolean>;
  /** Every token, ordered by name, without hashes. */
  listTokens(): Promise<ApiTokenSummary[]>;
}
