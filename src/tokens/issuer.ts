/**
 * The database's token authority: one signing key (and a foreign one for negative tests),
 * the JWKS, the clock, the configured audience and issuer. Mints tokens shaped as Neon Auth's
 * (or, under the Supabase preset, Supabase Auth's) and
 * validates tokens as the Data API does.
 */
import type { Clock } from './clock.js';
import { createSigningKey, type Jwks, type SigningAlg, type SigningKey } from './keys.js';
import { durationSeconds, signClaims, type Claims } from './mint.js';
import { subjectFor } from './subject.js';
import { checkClaims, validateToken } from './validate.js';

/** Whose tokens the minted ones imitate: Neon Auth's (default) or Supabase Auth's. */
export type ClaimsShape = 'neon-auth' | 'supabase';

export interface IssuerOptions {
  alg: SigningAlg;
  issuer: string;
  audience?: string | undefined;
  clock: Clock;
  /** default 'neon-auth' */
  claims?: ClaimsShape;
  /** keys of the project's own auth provider, trusted besides this issuer's (dataApi.jwks) */
  trusted?: Jwks | undefined;
}

/** What a user's token says about them besides sub and role. */
export interface UserProfile {
  name: string;
  sub: string | null;
  role: string;
  /** default `<name>@example.test` */
  email?: string | undefined;
  phone?: string | undefined;
  /** Supabase user_metadata (raw_user_meta_data) */
  metadata?: Record<string, unknown> | undefined;
  /** Supabase app_metadata, merged over { provider: 'email', providers: ['email'] } */
  appMetadata?: Record<string, unknown> | undefined;
  /** extra claims, merged over everything */
  claims?: Record<string, unknown> | undefined;
}

/** The app_metadata Supabase Auth gives an email sign-up. */
export const SUPABASE_APP_METADATA = { provider: 'email', providers: ['email'] };

export interface MintOptions {
  /** exp relative to now ('15m', '-1m', seconds); default: no exp unless in claims */
  expiresIn?: string | number;
  /** nbf relative to now */
  notBefore?: string | number;
  /** aud claim (overrides claims.aud) */
  audience?: string | string[];
  /** header kid; null leaves it out */
  kid?: string | null;
  /** signing algorithm; a key of that algorithm is created on demand (same kid family, in the JWKS) */
  alg?: SigningAlg;
  /** 'foreign': a key the database does not trust (not in the JWKS) */
  key?: 'trusted' | 'foreign';
}

export const TOKEN_LIFETIME_SECONDS = 15 * 60;

export class Issuer {
  readonly options: IssuerOptions;
  #keys = new Map<SigningAlg, SigningKey>();
  #foreign = new Map<SigningAlg, Promise<SigningKey>>();
  #pending = new Map<SigningAlg, Promise<SigningKey>>();

  private constructor(options: IssuerOptions) {
    this.options = options;
  }

  static async create(options: IssuerOptions): Promise<Issuer> {
    const issuer = new Issuer(options);
    await issuer.key(options.alg);
    return issuer;
  }

  /** The keys tokens of this database verify against (the default one, plus any made for `alg`). */
  get jwks(): Jwks {
    return { keys: [...this.#keys.values()].map((k) => ({ ...k.publicJwk })) };
  }

  private async key(alg: SigningAlg): Promise<SigningKey> {
    const known = this.#keys.get(alg);
    if (known) return known;
    let p = this.#pending.get(alg);
    if (!p) {
      p = createSigningKey(alg).then((k) => {
        this.#keys.set(alg, k);
        return k;
      });
      this.#pending.set(alg, p);
    }
    return p;
  }

  private foreignKey(alg: SigningAlg): Promise<SigningKey> {
    let p = this.#foreign.get(alg);
    if (!p) {
      p = createSigningKey(alg, `foreign-${alg.toLowerCase()}`);
      this.#foreign.set(alg, p);
    }
    return p;
  }

  /** The claims a Neon Auth (or Supabase Auth) token for this user carries now. */
  userClaims(user: UserProfile): Claims {
    const now = this.options.clock.seconds();
    const email = user.email ?? `${user.name}@example.test`;
    let base: Claims;
    if (this.options.claims === 'supabase') {
      // The access token of Supabase Auth (GoTrue) for an email/password session.
      base = {
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
        iss: this.options.issuer,
        aud: this.options.audience ?? 'authenticated',
        role: user.role,
        email,
        phone: user.phone ?? '',
        app_metadata: { ...SUPABASE_APP_METADATA, ...(user.appMetadata ?? {}) },
        user_metadata: { ...(user.metadata ?? {}) },
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: now }],
        session_id: subjectFor(`session:${user.name}`),
        is_anonymous: false,
      };
    } else {
      const created = new Date(0).toISOString();
      base = {
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
        iss: this.options.issuer,
        aud: this.options.audience ?? this.options.issuer,
        role: user.role,
        email,
        name: user.name,
        emailVerified: true,
        createdAt: created,
        updatedAt: created,
      };
    }
    if (user.sub !== null) {
      base.sub = user.sub;
      if (this.options.claims !== 'supabase') base.id = user.sub;
    }
    return { ...base, ...(user.claims ?? {}) };
  }

  /** Signs exactly these claims, adjusted by the options (for negative tests). */
  async mint(claims: Claims, options: MintOptions = {}): Promise<string> {
    const now = this.options.clock.seconds();
    const c: Claims = { ...claims };
    if (options.expiresIn !== undefined) c.exp = now + durationSeconds(options.expiresIn, 'expiresIn');
    if (options.notBefore !== undefined) c.nbf = now + durationSeconds(options.notBefore, 'notBefore');
    if (options.audience !== undefined) c.aud = options.audience;
    const alg = options.alg ?? this.options.alg;
    const key = options.key === 'foreign' ? await this.foreignKey(alg) : await this.key(alg);
    return signClaims(c, key, options.kid === undefined ? {} : { kid: options.kid });
  }

  /** What the Data API verifies tokens against: this issuer's keys and the trusted ones (dataApi.jwks). */
  get verificationKeys(): Jwks {
    return { keys: [...this.jwks.keys, ...(this.options.trusted?.keys ?? [])] };
  }

  /** Data API validation of a raw token; rejects with DataApiError. */
  validate(token: unknown): Promise<Claims> {
    return validateToken(token, { jwks: this.verificationKeys, now: this.options.clock.seconds(), audience: this.options.audience });
  }

  /** Time and audience checks for claims this issuer made itself (no signature to check). */
  check(claims: Claims): void {
    checkClaims(claims, { now: this.options.clock.seconds(), audience: this.options.audience });
  }
}
