/** Who a request is made as: a user minted here, the anonymous requester, or a raw JWT. */
import { subjectFor, type Claims, type Issuer } from '../tokens/index.js';
import type { Engine } from './engine.js';
import { brand } from '../brands.js';

export interface UserOptions {
  /** extra claims, merged over the Neon Auth (or Supabase Auth) ones */
  claims?: Record<string, unknown>;
  /** the subject; default a UUID derived from the name; null: a token without `sub` */
  sub?: string | null;
  /** the token's `role` claim; requests run as that role (default "authenticated") */
  role?: string;
  /** the email claim (and, under the Supabase preset, auth.users.email); default `<name>@example.test` */
  email?: string;
  /** Supabase preset: the phone claim and auth.users.phone */
  phone?: string;
  /** Supabase preset: user_metadata, stored as auth.users.raw_user_meta_data (what signUp({ options: { data } }) sets) */
  metadata?: Record<string, unknown>;
  /** Supabase preset: app_metadata, stored as auth.users.raw_app_meta_data, merged over { provider: 'email', providers: ['email'] } */
  appMetadata?: Record<string, unknown>;
}

const SUPABASE_ONLY = ['phone', 'metadata', 'appMetadata'] as const;

/** Wrong option types are TypeErrors naming the option (db.user() is synchronous). */
function checkUserOptions(name: string, o: UserOptions, preset: string): void {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  for (const k of ['email', 'phone', 'role'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw new TypeError(`db.user("${name}"): "${k}" option must be a non-empty string, got ${JSON.stringify(o[k])}`);
  }
  for (const k of ['claims', 'metadata', 'appMetadata'] as const) {
    if (o[k] !== undefined && !isObject(o[k])) throw new TypeError(`db.user("${name}"): "${k}" option must be an object, got ${JSON.stringify(o[k])}`);
  }
  if (o.sub !== undefined && o.sub !== null && typeof o.sub !== 'string') throw new TypeError(`db.user("${name}"): "sub" option must be a string or null, got ${JSON.stringify(o.sub)}`);
  if (preset !== 'supabase') {
    const used = SUPABASE_ONLY.filter((k) => o[k] !== undefined);
    if (used.length) {
      throw new TypeError(`db.user("${name}"): "${used[0]}" is a Supabase Auth field and this database uses preset '${preset}'; use preset: 'supabase', or put the claim in "claims"`);
    }
  }
}

export class User {
  static {
    brand(this, 'User');
  }
  readonly kind = 'user' as const;
  readonly name: string;
  /** `sub` of this user's tokens (null when they have none) */
  readonly sub: string | null;
  /** the role requests run as */
  readonly role: string;
  readonly extraClaims: Record<string, unknown> | undefined;
  /** the email claim (and auth.users.email under the Supabase preset) */
  readonly email: string;
  readonly phone: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
  readonly appMetadata: Record<string, unknown> | undefined;
  #issuer: Issuer;
  /** @internal the database this user belongs to (for matchers) */
  readonly engine: Engine;

  constructor(engine: Engine, name: string, options: UserOptions, defaultRole: string) {
    checkUserOptions(name, options, engine.preset.name);
    this.engine = engine;
    this.#issuer = engine.issuer;
    this.name = name;
    this.sub = options.sub === undefined ? subjectFor(name) : options.sub;
    const claimRole = options.claims?.role;
    this.role = options.role ?? (typeof claimRole === 'string' ? claimRole : defaultRole);
    this.extraClaims = options.claims;
    this.email = options.email ?? `${name}@example.test`;
    this.phone = options.phone;
    this.metadata = options.metadata;
    this.appMetadata = options.appMetadata;
  }

  #claims: { second: number; claims: Readonly<Claims> } | undefined;

  /**
   * The claims of a token minted now. They change only with the clock's second (iat, exp): the
   * same frozen object is returned within one, so what is derived from it can be cached.
   */
  claims(): Readonly<Claims> {
    const second = this.#issuer.options.clock.seconds();
    if (this.#claims?.second !== second) {
      const claims = this.#issuer.userClaims({
        name: this.name,
        sub: this.sub,
        role: this.role,
        email: this.email,
        phone: this.phone,
        metadata: this.metadata,
        appMetadata: this.appMetadata,
        claims: this.extraClaims,
      });
      this.#claims = { second, claims: Object.freeze(claims) };
    }
    return this.#claims.claims;
  }

  /** A signed JWT for this user, minted at the database clock's current time. */
  get token(): Promise<string> {
    return this.#issuer.mint(this.claims());
  }

  toString(): string {
    return `user "${this.name}"`;
  }
}

export class Anonymous {
  static {
    brand(this, 'Anonymous');
  }
  readonly kind = 'anonymous' as const;
  readonly name = 'anonymous';
  toString(): string {
    return 'anonymous';
  }
}

export type Requester = User | Anonymous | string;

export function isRequester(v: unknown): v is Requester {
  return v instanceof User || v instanceof Anonymous || typeof v === 'string';
}

/** How a requester is named in messages. */
export function requesterLabel(r: Requester): string {
  if (typeof r !== 'string') return r.name;
  try {
    const payload = JSON.parse(Buffer.from(r.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload?.sub === 'string' ? `token (sub ${payload.sub})` : 'token (no sub)';
  } catch {
    return 'token (not a JWT)';
  }
}
