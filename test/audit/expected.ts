// Exact findings of each scenario's broken schema (scenarios.ts), the same on every backend.
export const EXPECTED: Record<string, unknown[]> = {
  "rls_disabled_exposed": [
    {
      "level": "error",
      "object": "bad.notes",
      "message": "row level security is disabled on bad.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) and anonymous (SELECT) can reach through the Data API: every request sees and changes every row",
      "fix": "ALTER TABLE \"bad\".\"notes\" ENABLE ROW LEVEL SECURITY;",
      "table": "bad.notes"
    }
  ],
  "policy_exists_rls_disabled": [
    {
      "level": "error",
      "object": "bad.posts",
      "message": "bad.posts has policies (\"delete\", \"insert\", \"read\", \"update\") but row level security is disabled, so they are ignored: authenticated (SELECT, INSERT, UPDATE, DELETE) reach every row",
      "fix": "ALTER TABLE \"bad\".\"posts\" ENABLE ROW LEVEL SECURITY;",
      "table": "bad.posts"
    }
  ],
  "rls_enabled_no_policy": [
    {
      "level": "warning",
      "object": "bad.posts",
      "message": "row level security is enabled on bad.posts but it has no policy, while authenticated (SELECT, INSERT, UPDATE, DELETE) are granted: their reads return no rows and their writes are refused; create policies for the rows they may use, or revoke the grants if the table is server-only",
      "fix": "REVOKE SELECT, INSERT, UPDATE, DELETE ON \"bad\".\"posts\" FROM \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "policy_without_grant": [
    {
      "level": "error",
      "object": "bad.drafts",
      "message": "policies on bad.drafts (\"delete\", \"insert\", \"read\", \"update\") are for authenticated, but authenticated lacks DELETE on it: those requests fail with \"permission denied for table drafts\"",
      "fix": "GRANT DELETE ON \"bad\".\"drafts\" TO \"authenticated\";",
      "table": "bad.drafts"
    },
    {
      "level": "error",
      "object": "bad.posts",
      "message": "policies on bad.posts (\"delete\", \"insert\", \"read\", \"update\") are for authenticated, but authenticated lacks SELECT, INSERT, UPDATE, DELETE on it: those requests fail with \"permission denied for table posts\"",
      "fix": "GRANT SELECT, INSERT, UPDATE, DELETE ON \"bad\".\"posts\" TO \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "table_not_granted": [
    {
      "level": "info",
      "object": "bad.posts",
      "message": "authenticated holds no privilege on bad.posts: the Data API answers \"permission denied for table posts\" (fine if it is server-only)",
      "fix": "GRANT SELECT, INSERT, UPDATE, DELETE ON \"bad\".\"posts\" TO \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "schema_usage_missing": [
    {
      "level": "error",
      "object": "bad",
      "message": "authenticated is granted bad.posts but has no USAGE on schema bad: its requests fail with \"permission denied for schema bad\"",
      "fix": "GRANT USAGE ON SCHEMA \"bad\" TO \"authenticated\";"
    }
  ],
  "sequence_usage_missing": [
    {
      "level": "error",
      "object": "bad.posts_n_seq",
      "message": "authenticated may insert into bad.posts, whose default calls nextval('bad.posts_n_seq'), but has no USAGE on that sequence: its inserts fail with \"permission denied for sequence posts_n_seq\"",
      "fix": "GRANT USAGE ON SEQUENCE \"bad\".\"posts_n_seq\" TO \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "default_privileges_missing": [
    {
      "level": "warning",
      "object": "bad",
      "message": "tables that postgres creates in schema bad from now on will not grant SELECT, INSERT, UPDATE, DELETE to authenticated, although its existing tables do: each new table answers \"permission denied for table\" until granted",
      "fix": "ALTER DEFAULT PRIVILEGES FOR ROLE \"postgres\" IN SCHEMA \"bad\" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \"authenticated\";"
    }
  ],
  "policy_always_true": [
    {
      "level": "error",
      "object": "\"anyone deletes\" on bad.posts",
      "message": "policy \"anyone deletes\" on bad.posts lets authenticated delete every row (USING (true)); make it check the requester",
      "fix": "DROP POLICY \"anyone deletes\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone deletes\" ON \"bad\".\"posts\" AS PERMISSIVE FOR DELETE TO \"authenticated\" USING ((SELECT auth.user_id()) = \"user_id\");",
      "table": "bad.posts"
    },
    {
      "level": "error",
      "object": "\"anyone edits\" on bad.posts",
      "message": "policy \"anyone edits\" on bad.posts lets authenticated change every row (USING (true)); make it check the requester",
      "fix": "DROP POLICY \"anyone edits\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone edits\" ON \"bad\".\"posts\" AS PERMISSIVE FOR UPDATE TO \"authenticated\" USING ((SELECT auth.user_id()) = \"user_id\") WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      "table": "bad.posts"
    },
    {
      "level": "error",
      "object": "\"anyone inserts\" on bad.posts",
      "message": "policy \"anyone inserts\" on bad.posts lets authenticated insert any row (WITH CHECK (true)); make it check the requester",
      "fix": "DROP POLICY \"anyone inserts\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone inserts\" ON \"bad\".\"posts\" AS PERMISSIVE FOR INSERT TO \"authenticated\" WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      "table": "bad.posts"
    },
    {
      "level": "error",
      "object": "\"no check\" on bad.posts",
      "message": "policy \"no check\" on bad.posts lets authenticated insert any row (no WITH CHECK); make it check the requester",
      "fix": "DROP POLICY \"no check\" ON \"bad\".\"posts\";\nCREATE POLICY \"no check\" ON \"bad\".\"posts\" AS PERMISSIVE FOR INSERT TO \"authenticated\" WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      "table": "bad.posts"
    }
  ],
  "permissive_true_overrides": [
    {
      "level": "error",
      "object": "\"everyone reads\" on bad.posts",
      "message": "policy \"everyone reads\" on bad.posts admits every row to authenticated (USING (true)), so the condition of \"read\" restricts nothing: authenticated reads every row",
      "fix": "ALTER POLICY \"everyone reads\" ON \"bad\".\"posts\" TO \"anonymous\";",
      "table": "bad.posts"
    }
  ],
  "tenant_policy_permissive": [
    {
      "level": "warning",
      "object": "\"tenant isolation\" on bad.docs",
      "message": "policy \"tenant isolation\" on bad.docs checks the tenant, but it is permissive and \"public docs\" (also permissive, for authenticated) does not: the two are ORed, so rows of other tenants pass through \"public docs\"; make the tenant policy RESTRICTIVE",
      "fix": "DROP POLICY \"tenant isolation\" ON \"bad\".\"docs\";\nCREATE POLICY \"tenant isolation\" ON \"bad\".\"docs\" AS RESTRICTIVE FOR SELECT TO \"authenticated\" USING ((org_id = ( SELECT auth.organization_id() AS organization_id)));",
      "table": "bad.docs"
    }
  ],
  "policy_to_public": [
    {
      "level": "warning",
      "object": "\"published\" on bad.posts",
      "message": "policy \"published\" on bad.posts has no TO clause, so it applies to every role, anonymous included (granted SELECT); name the roles it is for",
      "fix": "ALTER POLICY \"published\" ON \"bad\".\"posts\" TO \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "update_allows_handover": [
    {
      "level": "error",
      "object": "\"update\" on bad.posts",
      "message": "policy \"update\" on bad.posts checks the requester in USING but not in WITH CHECK ((content <> ''::text)): authenticated can update a row of theirs so that it belongs to someone else",
      "fix": "DROP POLICY \"update\" ON \"bad\".\"posts\";\nCREATE POLICY \"update\" ON \"bad\".\"posts\" AS PERMISSIVE FOR UPDATE TO \"authenticated\" USING (( SELECT (auth.user_id() = posts.user_id))) WITH CHECK (( SELECT (auth.user_id() = posts.user_id)));",
      "table": "bad.posts"
    }
  ],
  "policy_true_without_identity": [
    {
      "level": "error",
      "object": "\"read\" on bad.posts",
      "message": "policy \"read\" on bad.posts is true whenever auth.user_id() is NULL (anonymous requests, tokens without sub): it admits every row to authenticated then",
      "fix": "ALTER POLICY \"read\" ON \"bad\".\"posts\" USING ((( SELECT auth.user_id() AS user_id) = user_id));",
      "table": "bad.posts"
    },
    {
      "level": "error",
      "object": "\"write\" on bad.posts",
      "message": "policy \"write\" on bad.posts is true whenever auth.uid() is NULL (anonymous requests, tokens without sub): it admits every row to authenticated then",
      "fix": "ALTER POLICY \"write\" ON \"bad\".\"posts\" USING ((( SELECT auth.user_id() AS user_id) = user_id));",
      "table": "bad.posts"
    }
  ],
  "view_without_security_invoker": [
    {
      "level": "error",
      "object": "bad.published",
      "message": "view bad.published reads bad.posts with the rights of its owner postgres, who bypasses their row level security: authenticated read every row through it",
      "fix": "ALTER VIEW \"bad\".\"published\" SET (security_invoker = true);",
      "table": "bad.published"
    }
  ],
  "materialized_view_exposed": [
    {
      "level": "error",
      "object": "bad.post_counts",
      "message": "materialized view bad.post_counts stores rows of bad.posts, which have row level security, but has none itself: authenticated read every stored row",
      "fix": "REVOKE SELECT ON \"bad\".\"post_counts\" FROM \"authenticated\";",
      "table": "bad.post_counts"
    }
  ],
  "security_definer_search_path_mutable": [
    {
      "level": "error",
      "object": "bad.is_author(post bigint)",
      "message": "SECURITY DEFINER function bad.is_author(post bigint) runs as postgres, is executable by authenticated and anonymous (/rpc/is_author) and does not fix its search_path",
      "fix": "ALTER FUNCTION \"bad\".\"is_author\"(post bigint) SET search_path = '';"
    }
  ],
  "security_definer_exposed": [
    {
      "level": "warning",
      "object": "bad.all_posts()",
      "message": "SECURITY DEFINER function bad.all_posts() runs as postgres for authenticated and anonymous (/rpc/all_posts) without looking at who calls it: check the caller inside, or revoke EXECUTE",
      "fix": "REVOKE EXECUTE ON FUNCTION \"bad\".\"all_posts\"() FROM PUBLIC, \"authenticated\", \"anonymous\";"
    }
  ],
  "public_grant": [
    {
      "level": "warning",
      "object": "bad.posts",
      "message": "bad.posts grants SELECT to PUBLIC: every role holds it, anonymous included",
      "fix": "REVOKE SELECT ON \"bad\".\"posts\" FROM PUBLIC;",
      "table": "bad.posts"
    }
  ],
  "truncate_granted": [
    {
      "level": "error",
      "object": "bad.posts",
      "message": "authenticated holds TRUNCATE on bad.posts: TRUNCATE ignores row level security and removes every row",
      "fix": "REVOKE TRUNCATE ON \"bad\".\"posts\" FROM \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "references_trigger_granted": [
    {
      "level": "warning",
      "object": "bad.posts",
      "message": "authenticated holds REFERENCES, TRIGGER on bad.posts: the Data API needs neither; they let a role probe values through foreign keys or attach triggers",
      "fix": "REVOKE REFERENCES, TRIGGER ON \"bad\".\"posts\" FROM \"authenticated\";",
      "table": "bad.posts"
    }
  ],
  "api_role_bypasses_rls": [
    {
      "level": "error",
      "object": "pgrls_audit_bypass",
      "message": "API role pgrls_audit_bypass is marked BYPASSRLS: row level security does not apply to it, so its requests see and change every row",
      "fix": "ALTER ROLE \"pgrls_audit_bypass\" NOBYPASSRLS;"
    },
    {
      "level": "error",
      "object": "pgrls_audit_super",
      "message": "API role pgrls_audit_super is a superuser: row level security does not apply to it, so its requests see and change every row",
      "fix": "ALTER ROLE \"pgrls_audit_super\" NOSUPERUSER;"
    }
  ],
  "api_role_owns_table": [
    {
      "level": "error",
      "object": "bad.own",
      "message": "API role pgrls_audit_api owns bad.own, which is not FORCEd: the owner skips its policies, so pgrls_audit_api's requests see and change every row",
      "fix": "ALTER TABLE \"bad\".\"own\" FORCE ROW LEVEL SECURITY;",
      "table": "bad.own"
    },
    {
      "level": "error",
      "object": "bad.posts",
      "message": "API role pgrls_audit_api is a member of pgrls_audit_owner, which owns bad.posts (not FORCEd): it skips the table's policies, so its requests see and change every row",
      "fix": "REVOKE \"pgrls_audit_owner\" FROM \"pgrls_audit_api\";",
      "table": "bad.posts"
    }
  ],
  "schema_create_granted": [
    {
      "level": "warning",
      "object": "bad",
      "message": "authenticated may create objects in schema bad: they can add tables, views or functions there and shadow names that resolve through it",
      "fix": "REVOKE CREATE ON SCHEMA \"bad\" FROM PUBLIC, \"authenticated\";"
    }
  ],
  "auth_schema_foreign_object": [
    {
      "level": "error",
      "object": "auth",
      "message": "API role authenticated may create objects in schema auth: it could define functions that policies trust for identity",
      "fix": "REVOKE CREATE ON SCHEMA \"auth\" FROM PUBLIC, \"authenticated\";"
    },
    {
      "level": "warning",
      "object": "auth.is_admin()",
      "message": "function auth.is_admin() (owner postgres) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere",
      "fix": "ALTER FUNCTION \"auth\".\"is_admin\"() SET SCHEMA \"public\";"
    },
    {
      "level": "warning",
      "object": "auth.profiles",
      "message": "table auth.profiles (owner postgres) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere",
      "fix": "ALTER TABLE \"auth\".\"profiles\" SET SCHEMA \"public\";"
    }
  ],
  "policy_uses_user_metadata": [
    {
      "level": "error",
      "object": "\"admins\" on bad.posts",
      "message": "policy \"admins\" on bad.posts reads user_metadata, which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write",
      "fix": "DROP POLICY \"admins\" ON \"bad\".\"posts\";",
      "table": "bad.posts"
    }
  ],
  "policy_uses_request_headers": [
    {
      "level": "error",
      "object": "\"by header\" on bad.posts",
      "message": "policy \"by header\" on bad.posts reads request headers or cookies, which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())",
      "fix": "DROP POLICY \"by header\" ON \"bad\".\"posts\";",
      "table": "bad.posts"
    }
  ],
  "insert_without_select_policy": [
    {
      "level": "warning",
      "object": "bad.posts",
      "message": "authenticated may insert into bad.posts (\"insert\") but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with \"new row violates row-level security policy\"",
      "fix": "CREATE POLICY \"authenticated reads own rows\" ON \"bad\".\"posts\" FOR SELECT TO \"authenticated\" USING ((SELECT auth.user_id()) = \"user_id\");",
      "table": "bad.posts"
    }
  ],
  "auth_call_per_row": [
    {
      "level": "warning",
      "object": "\"own\" on bad.posts",
      "message": "policy \"own\" on bad.posts calls auth.user_id() for every row; wrapped in (SELECT ...) it runs once per statement",
      "fix": "ALTER POLICY \"own\" ON \"bad\".\"posts\" USING (((SELECT auth.user_id()) = user_id)) WITH CHECK (((user_id = (SELECT auth.user_id())) AND (length(content) > 0)));",
      "table": "bad.posts"
    }
  ],
  "multiple_permissive_policies": [
    {
      "level": "info",
      "object": "bad.posts select authenticated",
      "message": "bad.posts has 2 permissive policies for authenticated on SELECT (\"read\" and \"read published\"): each is evaluated for every row",
      "fix": "DROP POLICY \"read\" ON \"bad\".\"posts\";\nDROP POLICY \"read published\" ON \"bad\".\"posts\";\nCREATE POLICY \"read or read published\" ON \"bad\".\"posts\" FOR SELECT TO \"authenticated\" USING (((is_published OR ( SELECT (auth.user_id() = posts.user_id)))) OR (is_published));",
      "table": "bad.posts"
    }
  ]
};
