//! SQL for the console's people: staff members, their sessions, OpenID Connect sign-ins under
//! way and mailed sign-in links.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, StaffSessionRow, StaffStore, StaffUserRow};

const SESSION_COLUMNS: &str =
    "id_hash, email, method, created_at, last_seen_at, expires_at, ended_at";

#[async_trait]
impl StaffStore for SqlStore {
    async fn insert_staff(&self, u: &StaffUserRow, actor: &Actor) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT 1 FROM staff_users WHERE email = $1")
            .bind(&u.email)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::StaffExists(u.email.clone()));
        }
        sqlx::query(
            "INSERT INTO staff_users (email, name, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&u.email)
        .bind(&u.name)
        .bind(&u.role)
        .bind(&u.created_at)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"role": u.role});
        audit(
            &mut tx,
            &u.created_at,
            actor,
            "staff.add",
            Some(&u.email),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_staff_role(
        &self,
        email: &str,
        role: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE staff_users SET role = $1 WHERE email = $2 AND disabled_at IS NULL",
        )
        .bind(role)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({"role": role});
        audit(&mut tx, at, actor, "staff.role", Some(email), Some(&detail)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn disable_staff(&self, email: &str, at: &str, actor: &Actor) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE staff_users SET disabled_at = $1 WHERE email = $2 AND disabled_at IS NULL",
        )
        .bind(at)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE staff_sessions SET ended_at = $1 WHERE email = $2 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, at, actor, "staff.remove", Some(email), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn staff(&self, email: &str) -> Result<Option<StaffUserRow>, Error> {
        let row = sqlx::query(
            "SELECT email, name, role, created_at, disabled_at FROM staff_users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| staff_from_row(&r)).transpose()
    }

    async fn staff_list(&self) -> Result<Vec<StaffUserRow>, Error> {
        let rows = sqlx::query(
            "SELECT email, name, role, created_at, disabled_at FROM staff_users ORDER BY email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(staff_from_row).collect()
    }

    async fn count_staff_with_role(&self, role: &str) -> Result<i64, Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM staff_users WHERE role = $1 AND disabled_at IS NULL",
        )
        .bind(role)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    async fn insert_session(&self, s: &StaffSessionRow) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO staff_sessions (id_hash, email, method, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id_hash)
        .bind(&s.email)
        .bind(&s.method)
        .bind(&s.created_at)
        .bind(&s.last_seen_at)
        .bind(&s.expires_at)
        .execute(&mut *tx)
        .await?;
        let actor = Actor(format!("staff:{}", s.email));
        let detail = serde_json::json!({"method": s.method});
        audit(
            &mut tx,
            &s.created_at,
            &actor,
            "session.start",
            Some(&s.email),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> Result<Option<StaffSessionRow>, Error> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM staff_sessions WHERE id_hash = $1"
        ))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| session_from_row(&r)).transpose()
    }

    async fn touch_session(&self, id_hash: &str, at: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE staff_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL AND last_seen_at < $3",
        )
        .bind(at)
        .bind(id_hash)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn end_session(&self, id_hash: &str, at: &str, actor: &Actor) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE staff_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(id_hash)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        audit(&mut tx, at, actor, "session.end", None, None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn end_sessions_of(
        &self,
        email: &str,
        at: &str,
        live_since: &str,
        actor: &Actor,
    ) -> Result<u64, Error> {
        let mut tx = self.write_tx().await?;
        let live = sqlx::query(
            "SELECT COUNT(*) AS n FROM staff_sessions WHERE email = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at >= $3",
        )
        .bind(email)
        .bind(at)
        .bind(live_since)
        .fetch_one(&mut *tx)
        .await?;
        let ended: i64 = live.try_get("n")?;
        let ended = u64::try_from(ended).unwrap_or_default();
        sqlx::query(
            "UPDATE staff_sessions SET ended_at = $1 WHERE email = $2 AND ended_at IS NULL",
        )
        .bind(at)
        .bind(email)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"sessions": ended});
        audit(
            &mut tx,
            at,
            actor,
            "session.end_all",
            Some(email),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn insert_sign_in_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM sign_in_flows WHERE expires_at < $1")
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_flows (state_hash, browser_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(state_hash)
        .bind(browser_hash)
        .bind(at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_sign_in_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        at: &str,
    ) -> Result<bool, Error> {
        let row = sqlx::query(
            "UPDATE sign_in_flows SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING browser_hash",
        )
        .bind(at)
        .bind(state_hash)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let stored: String = row.try_get("browser_hash")?;
        Ok(crate::auth::same_secret_hash(&stored, browser_hash))
    }

    async fn insert_sign_in_link(
        &self,
        token_hash: &str,
        email: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM sign_in_links WHERE expires_at < $1")
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_links (token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(email)
        .bind(at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn count_sign_in_links(&self, email: &str, since: &str) -> Result<i64, Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM sign_in_links WHERE email = $1 AND created_at >= $2",
        )
        .bind(email)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    async fn use_sign_in_link(&self, token_hash: &str, at: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query(
            "UPDATE sign_in_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING email",
        )
        .bind(at)
        .bind(token_hash)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("email")).transpose()?)
    }
}

fn staff_from_row(r: &AnyRow) -> Result<StaffUserRow, Error> {
    Ok(StaffUserRow {
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        created_at: r.try_get("created_at")?,
        disabled_at: r.try_get("disabled_at")?,
    })
}

fn session_from_row(r: &AnyRow) -> Result<StaffSessionRow, Error> {
    Ok(StaffSessionRow {
        id_hash: r.try_get("id_hash")?,
        email: r.try_get("email")?,
        method: r.try_get("method")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        expires_at: r.try_get("expires_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}
