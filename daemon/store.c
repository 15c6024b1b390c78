/*
 * store.c - SQLite storage: pragmas, migrations, transactions and a cache
 * of prepared statements.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "store.h"

/*
 * Prepared statements are cached by the address of their SQL text: every
 * caller passes a string literal, so one address is one statement.  The
 * table is open-addressed and sized well above the number of statements
 * the daemon has.
 */
#define STMT_SLOTS 512

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

/* How long a statement waits for a lock another connection holds. */
#define STORE_BUSY_MS 5000

struct store_impl {
	struct store pub;
	struct stmt_slot slots[STMT_SLOTS];
};

/*
 * Numbered migrations.  Each runs in one transaction together with the
 * PRAGMA user_version bump, so a crash leaves the schema at a version.
 * Never edit a migration that has shipped: add a new one.
 */
static const char *const migrations[] = {
	/* 1: identity, partners, audit log. */
	"CREATE TABLE partners ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('gemeente_afdeling',"
	"    'landelijke_dienst','politie','zorg','woningcorporatie',"
	"    'nutsbedrijf','other')),"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE users ("
	"  uid INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('admin','projectleider',"
	"    'partner','privacy')),"
	"  partner_id INTEGER REFERENCES partners(id),"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
	"  created INTEGER NOT NULL,"
	"  CHECK ((role = 'partner') = (partner_id IS NOT NULL))"
	") STRICT;"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  ts_start INTEGER NOT NULL,"
	"  ts_end INTEGER NOT NULL,"
	"  trace_id TEXT NOT NULL,"
	"  span_id TEXT NOT NULL,"
	"  actor_uid INTEGER NOT NULL,"
	"  actor_name TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  org TEXT NOT NULL,"
	"  method TEXT NOT NULL,"
	"  activity TEXT NOT NULL,"
	"  project INTEGER NOT NULL,"
	"  object TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  subject_type TEXT NOT NULL,"
	"  fields TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  error TEXT NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL"
	") STRICT;"
	"CREATE INDEX audit_actor ON audit(actor_uid);"
	"CREATE INDEX audit_subject ON audit(subject) WHERE subject <> '';"
	"CREATE TABLE audit_checkpoint ("
	"  size INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL,"
	"  root BLOB NOT NULL,"
	"  sig BLOB NOT NULL"
	") STRICT;",
	/* 2: projects, phases and decisions, privacy protocol, journal. */
	"CREATE TABLE projects ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  gemeente TEXT NOT NULL,"
	"  problem TEXT NOT NULL,"
	"  themes TEXT NOT NULL,"            /* JSON array of strings */
	"  legal_basis TEXT NOT NULL,"
	"  purpose TEXT NOT NULL,"
	"  phase TEXT NOT NULL DEFAULT 'initiatief' CHECK (phase IN ("
	"    'initiatief','verkennend','voorbereidend','operationeel',"
	"    'evaluatie','afgesloten')),"
	"  planned_start TEXT,"
	"  planned_end TEXT,"
	"  operational_end TEXT,"
	"  protocol_registered TEXT,"
	"  protocol_ref TEXT,"
	"  closed_reason TEXT,"
	"  created INTEGER NOT NULL,"
	"  created_by INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE project_areas ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  pc_from TEXT NOT NULL,"
	"  pc_to TEXT NOT NULL,"
	"  PRIMARY KEY (project_id, pc_from, pc_to)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE project_leaders ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  uid INTEGER NOT NULL REFERENCES users(uid),"
	"  PRIMARY KEY (project_id, uid)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX project_leaders_uid ON project_leaders(uid);"
	/* Every phase change and gate decision, in order: the history. */
	"CREATE TABLE project_events ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('decision','phase')),"
	"  gate TEXT CHECK (gate IN ('probleemdefinitie','collegebesluit',"
	"    'rpf','lsi')),"
	"  go INTEGER CHECK (go IN (0,1)),"
	"  body TEXT,"
	"  from_phase TEXT NOT NULL,"
	"  to_phase TEXT NOT NULL,"
	"  rationale TEXT NOT NULL,"
	"  event_date TEXT NOT NULL,"
	"  actor INTEGER NOT NULL,"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX project_gate ON project_events(project_id, gate)"
	"  WHERE gate IS NOT NULL;"
	"CREATE TABLE protocol_grants ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  partner_id INTEGER NOT NULL REFERENCES partners(id),"
	"  leveren INTEGER NOT NULL CHECK (leveren IN (0,1)),"
	"  bewerken INTEGER NOT NULL CHECK (bewerken IN (0,1)),"
	"  inlezen INTEGER NOT NULL CHECK (inlezen IN (0,1)),"
	"  updated INTEGER NOT NULL,"
	"  updated_by INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, partner_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE journal ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  entry_date TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  note BLOB NOT NULL,"                /* sealed */
	"  author INTEGER NOT NULL,"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX journal_project ON journal(project_id, entry_date);",
	/* 3: verwondersubjecten, persons, interests; protocol field rights. */
	"ALTER TABLE protocol_grants ADD COLUMN fields TEXT NOT NULL "
	"  DEFAULT 'adres,bsn,naam,geboortedatum';"
	"CREATE TABLE subjects ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  status TEXT NOT NULL DEFAULT 'geselecteerd' CHECK (status IN ("
	"    'geselecteerd','in_actualisatie','vervallen','conflict','gereed',"
	"    'ingepland','gecontroleerd','afgehandeld')),"
	"  pc4 TEXT NOT NULL,"                 /* neighbourhood, in clear */
	"  addr_index BLOB NOT NULL,"          /* blind: postcode+nr */
	"  addr_key BLOB NOT NULL,"            /* blind: postcode+nr+toev */
	"  street BLOB NOT NULL,"              /* sealed from here on */
	"  huisnummer BLOB NOT NULL,"
	"  toevoeging BLOB NOT NULL,"
	"  postcode BLOB NOT NULL,"
	"  woonplaats BLOB NOT NULL,"
	"  codes TEXT NOT NULL,"               /* indicator codes, JSON */
	"  resolution BLOB,"                   /* sealed conflict decision */
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  UNIQUE (project_id, addr_key)"
	") STRICT;"
	"CREATE INDEX subjects_addr ON subjects(addr_index);"
	"CREATE INDEX subjects_status ON subjects(project_id, status);"
	"CREATE TABLE persons ("
	"  id INTEGER PRIMARY KEY,"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  bsn_index BLOB NOT NULL,"
	"  bsn BLOB NOT NULL,"                 /* sealed */
	"  name BLOB NOT NULL,"                /* sealed */
	"  birthdate BLOB NOT NULL,"           /* sealed */
	"  UNIQUE (subject_id, bsn_index)"
	") STRICT;"
	"CREATE INDEX persons_bsn ON persons(bsn_index);"
	/* Partners with an interest (belang) and their actualisation. */
	"CREATE TABLE interests ("
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  partner_id INTEGER NOT NULL REFERENCES partners(id),"
	"  answer TEXT CHECK (answer IN ('relevant','vervallen','conflict')),"
	"  reason TEXT,"
	"  answered_by INTEGER,"
	"  answered_at INTEGER,"
	"  PRIMARY KEY (subject_id, partner_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX interests_partner ON interests(partner_id, answer);",
	/* 4: actiedagen, their partners and staff, visits, assignments
	 * (day.h describes them). */
	"CREATE TABLE days ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  day TEXT NOT NULL,"                 /* YYYY-MM-DD */
	"  start_time TEXT NOT NULL,"          /* HH:MM, Europe/Amsterdam */
	"  end_time TEXT NOT NULL,"
	"  meeting_point TEXT NOT NULL,"
	"  police TEXT NOT NULL CHECK (police IN ('present','backup',"
	"    'none')),"
	"  police_contact TEXT NOT NULL DEFAULT '',"
	"  police_informed INTEGER NOT NULL CHECK (police_informed IN (0,1)),"
	"  teams INTEGER NOT NULL CHECK (teams BETWEEN 1 AND 20),"
	"  visits_per_team INTEGER NOT NULL CHECK (visits_per_team"
	"    BETWEEN 1 AND 50),"
	"  status TEXT NOT NULL DEFAULT 'concept' CHECK (status IN ("
	"    'concept','bevestigd','uitgevoerd','geannuleerd')),"
	"  cancel_reason TEXT,"
	"  sequence INTEGER NOT NULL DEFAULT 0," /* iCalendar SEQUENCE */
	"  created INTEGER NOT NULL,"
	"  created_by INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX days_project ON days(project_id, day);"
	"CREATE INDEX days_day ON days(day);"
	"CREATE TABLE day_areas ("
	"  day_id INTEGER NOT NULL REFERENCES days(id),"
	"  pc_from TEXT NOT NULL,"
	"  pc_to TEXT NOT NULL,"
	"  PRIMARY KEY (day_id, pc_from, pc_to)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE day_partners ("
	"  day_id INTEGER NOT NULL REFERENCES days(id),"
	"  partner_id INTEGER NOT NULL REFERENCES partners(id),"
	"  staff INTEGER NOT NULL CHECK (staff BETWEEN 1 AND 999),"
	"  PRIMARY KEY (day_id, partner_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE day_staff ("
	"  day_id INTEGER NOT NULL REFERENCES days(id),"
	"  uid INTEGER NOT NULL REFERENCES users(uid),"
	"  PRIMARY KEY (day_id, uid)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX day_staff_uid ON day_staff(uid);"
	/* Visits; active while still to happen, kept as history after. */
	"CREATE TABLE day_subjects ("
	"  day_id INTEGER NOT NULL REFERENCES days(id),"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  team INTEGER NOT NULL CHECK (team >= 1),"
	"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"
	"  planned_at INTEGER NOT NULL,"
	"  planned_by INTEGER NOT NULL,"
	"  PRIMARY KEY (day_id, subject_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE UNIQUE INDEX day_subjects_once ON day_subjects(subject_id)"
	"  WHERE active = 1;"
	"CREATE TABLE assignments ("
	"  id INTEGER PRIMARY KEY,"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  uid INTEGER NOT NULL REFERENCES users(uid),"
	"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"
	"  assigned_at INTEGER NOT NULL,"
	"  assigned_by INTEGER NOT NULL,"
	"  ended_at INTEGER"
	") STRICT;"
	"CREATE UNIQUE INDEX assignments_once ON assignments(subject_id)"
	"  WHERE active = 1;"
	"CREATE INDEX assignments_uid ON assignments(uid, active);",
	/* 5: bevindingen with their history, effect measurements. */
	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  partner_id INTEGER NOT NULL REFERENCES partners(id),"
	"  day_id INTEGER REFERENCES days(id),"
	"  visit_date TEXT NOT NULL,"
	"  category TEXT NOT NULL CHECK (category IN ('geen_bijzonderheden',"
	"    'niet_aangetroffen','adresfraude','onrechtmatige_bewoning',"
	"    'uitkeringsfraude','zwartwerk','brandonveilig',"
	"    'illegale_verhuur','zorgsignaal','overig')),"
	"  notes BLOB NOT NULL,"                /* sealed */
	"  action TEXT NOT NULL CHECK (action IN ('brp_onderzoek',"
	"    'terugvordering','handhavingsbesluit','zorgmelding',"
	"    'nader_onderzoek','geen')),"
	"  owner_id INTEGER REFERENCES partners(id),"
	"  due TEXT,"
	"  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0,1)),"
	"  done_at INTEGER,"
	"  done_by INTEGER,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  created INTEGER NOT NULL,"
	"  created_by INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX findings_subject ON findings(subject_id);"
	"CREATE INDEX findings_open ON findings(done, due) "
	"  WHERE action <> 'geen';"
	/* Earlier versions of a finding: edits never overwrite. */
	"CREATE TABLE finding_history ("
	"  id INTEGER PRIMARY KEY,"
	"  finding_id INTEGER NOT NULL REFERENCES findings(id),"
	"  version INTEGER NOT NULL,"
	"  category TEXT NOT NULL,"
	"  notes BLOB,"                        /* sealed */
	"  action TEXT NOT NULL,"
	"  owner_id INTEGER,"
	"  due TEXT,"
	"  changed_by INTEGER NOT NULL,"
	"  changed_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX finding_history_finding ON finding_history(finding_id);"
	"CREATE TABLE measures ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  phase INTEGER NOT NULL CHECK (phase IN (0,1)),"
	"  indicator TEXT NOT NULL,"
	"  value REAL NOT NULL,"
	"  source TEXT NOT NULL,"
	"  measured_on TEXT NOT NULL,"
	"  set_by INTEGER NOT NULL,"
	"  set_at INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, phase, indicator)"
	") STRICT, WITHOUT ROWID;",
	/* 6: key hierarchy (keys.h): master key versions, wrapped system keys
	 * and project data keys; retention, legal hold and destruction lists
	 * (retention.h).  The system keys row itself is written by keys.c at
	 * the first start, since wrapping needs the master key. */
	"CREATE TABLE master_keys ("
	"  version INTEGER PRIMARY KEY CHECK (version >= 1),"
	"  check_value BLOB NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('current','next','retired',"
	"    'destroyed')),"
	"  created INTEGER NOT NULL,"
	"  changed INTEGER NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX master_keys_live ON master_keys(state)"
	"  WHERE state IN ('current','next');"
	"CREATE TABLE system_keys ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  master_version INTEGER NOT NULL,"
	"  wrapped BLOB NOT NULL"
	") STRICT;"
	"CREATE TABLE project_keys ("
	"  project_id INTEGER PRIMARY KEY REFERENCES projects(id),"
	"  kid INTEGER NOT NULL,"
	"  master_version INTEGER NOT NULL,"
	"  wrapped BLOB,"
	"  state TEXT NOT NULL CHECK (state IN ('active','shredded')),"
	"  created INTEGER NOT NULL,"
	"  shredded_at INTEGER,"
	"  CHECK ((state = 'active') = (wrapped IS NOT NULL))"
	") STRICT;"
	"CREATE INDEX project_keys_version ON project_keys(master_version)"
	"  WHERE state = 'active';"
	/* NULL retention_days: the configured default. */
	"ALTER TABLE projects ADD COLUMN retention_days INTEGER"
	"  CHECK (retention_days BETWEEN 0 AND 36500);"
	"ALTER TABLE projects ADD COLUMN hold_reason TEXT;"
	"ALTER TABLE projects ADD COLUMN hold_by INTEGER;"
	"ALTER TABLE projects ADD COLUMN hold_since INTEGER;"
	"ALTER TABLE projects ADD COLUMN destroyed INTEGER;"
	"CREATE TABLE retention_lists ("
	"  id INTEGER PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  created_by INTEGER NOT NULL"
	") STRICT;"
	/* One row per project on a list; confirmed per project, by one of
	 * its projectleiders or an admin. */
	"CREATE TABLE retention_items ("
	"  list_id INTEGER NOT NULL REFERENCES retention_lists(id),"
	"  project_id INTEGER NOT NULL REFERENCES projects(id),"
	"  closed_on TEXT NOT NULL,"
	"  retention_days INTEGER NOT NULL,"
	"  expired_on TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ("
	"    'proposed','confirmed','destroyed','withdrawn')),"
	"  confirmed_by INTEGER,"
	"  confirmed_at INTEGER,"
	"  done_at INTEGER,"
	"  note TEXT,"
	"  PRIMARY KEY (list_id, project_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX retention_items_project ON retention_items(project_id);",
	/*
	 * 7: no query reads the audit log by actor_uid (List filters on the
	 * name and walks seq), yet every entry paid a third B-tree insert
	 * and, in a commit, a third page for it.
	 */
	"DROP INDEX audit_actor;",
	/*
	 * 8: what the final report counts of a destroyed project's subjects
	 * and findings (report_freeze), so that their rows can go: a
	 * finding's category kept beside a subject id would stay linked to
	 * the person through the audit log's pseudonyms.
	 */
	"CREATE TABLE report_frozen ("
	"  project_id INTEGER PRIMARY KEY REFERENCES projects(id),"
	"  counts TEXT NOT NULL"
	") STRICT;"
	/* The highest id of a table that a destruction deleted rows from
	 * (STORE_KEEP_IDS): ids are not handed out again. */
	"CREATE TABLE id_floor ("
	"  tbl TEXT PRIMARY KEY,"
	"  top INTEGER NOT NULL"
	") STRICT;",
	/*
	 * 9: entries about a subject's address name its full address
	 * (postcode, number and toevoeging: addr_key) from this entry on;
	 * before, postcode and number only (addr_index), which an inzage
	 * cannot tell apart from the neighbours' flats (subject.h).
	 */
	"CREATE TABLE addr_pseudonym_from ("
	"  seq INTEGER NOT NULL"
	") STRICT;"
	"INSERT INTO addr_pseudonym_from SELECT coalesce(max(seq), 0) + 1 "
	"FROM audit;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

int64_t
store_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int
exec_sql(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		/* SQLite messages name schema objects, never row values. */
		log_err("sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct store *s, char *err, size_t errlen)
{
	char bump[64];
	int v, cur;

	if ((cur = store_user_version(s)) < 0) {
		snprintf(err, errlen, "cannot read schema version");
		return -1;
	}
	if (cur > NMIGRATIONS) {
		snprintf(err, errlen,
		         "database schema %d is newer than this ivtd (%d)", cur,
		         NMIGRATIONS);
		return -1;
	}
	for (v = cur; v < NMIGRATIONS; v++) {
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (store_begin(s) == -1 || exec_sql(s, migrations[v]) == -1 ||
		    exec_sql(s, bump) == -1 || store_commit(s) == -1) {
			store_rollback(s);
			snprintf(err, errlen, "migration %d failed", v + 1);
			return -1;
		}
		log_info("database migrated to schema %d", v + 1);
	}
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store_impl *si;
	struct store *s;
	char sql[160];
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                  SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;

	/*
	 * Before SQLite initialises (the first open): no memory statistics,
	 * which we never read and which took a global mutex on every
	 * allocation.  Later calls fail harmlessly with SQLITE_MISUSE.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((si = calloc(1, sizeof(*si))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s = &si->pub;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/*
	 * WAL for concurrent readers (backups) and cheap commits; FULL sync so
	 * an acknowledged write survives power loss; secure_delete so freed
	 * pages do not keep old ciphertexts; trusted_schema off so a tampered
	 * schema cannot run functions with side effects; temp_store in memory
	 * so the statement journals of a group commit's savepoints do not
	 * create and delete a file in /var/tmp for every batch.
	 */
	if (exec_sql(s, "PRAGMA journal_mode = WAL;"
	                "PRAGMA synchronous = FULL;"
	                "PRAGMA foreign_keys = ON;"
	                "PRAGMA secure_delete = ON;"
	                "PRAGMA trusted_schema = OFF;"
	                "PRAGMA temp_store = MEMORY;") == -1) {
		snprintf(err, errlen, "cannot configure database %s", path);
		goto fail;
	}
	if (migrate(s, err, errlen) == -1)
		goto fail;
	snprintf(sql, sizeof(sql),
	         "PRAGMA journal_size_limit = %d; PRAGMA cache_size = -%d; "
	         "PRAGMA wal_autocheckpoint = %d;",
	         STORE_WAL_LIMIT, STORE_CACHE_KIB, STORE_WAL_AUTOCHECKPOINT);
	if (exec_sql(s, sql) == -1) {
		snprintf(err, errlen, "cannot configure database %s", path);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	struct store_impl *si = (struct store_impl *)s;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(si->slots[i].st);
	sqlite3_close(s->db);
	free(si);
}

/*
 * Transaction control through the statement cache: BEGIN, SAVEPOINT,
 * RELEASE and COMMIT run for every call of a group commit, and parsing
 * them each time with sqlite3_exec cost a tenth of an audited read.
 */
static int
exec_cached(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_prepare(s, sql);

	return st == NULL ? exec_sql(s, sql) : store_step_done(st);
}

int
store_begin(struct store *s)
{
	if (s->in_txn) {
		log_err("store: nested transaction");
		return -1;
	}
	if (exec_cached(s, "BEGIN IMMEDIATE") == -1)
		return -1;
	s->in_txn = 1;
	return 0;
}

/* A cache size deferred to the end of the transaction. */
static void
cache_after(struct store *s)
{
	int kib = s->cache_after;

	if (kib > 0) {
		s->cache_after = 0;
		store_cache_kib(s, kib);
	}
}

void
store_flush_wal_after(struct store *s)
{
	if (s->wal_flush == 0)
		s->wal_flush = 1;
}

/* After a destruction's commit (store_flush_wal_after).  A failure is
 * logged: the data is destroyed, only its old pages linger longer. */
static void
flush_wal(struct store *s)
{
	int logged = 0, frames = 0, rc;

	/* No copy of the WAL copier runs now: its hook waited for it in
	 * this COMMIT (walcopy.h). */
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	                               &logged, &frames);
	if (rc == SQLITE_OK && logged == frames) {
		s->wal_flush = 0;
		return;
	}
	/* Tried again after every commit until it works; said once. */
	if (s->wal_flush == 1)
		log_warn("store: the WAL was not emptied after a destruction "
		         "(%s): old pages stay until it is",
		         sqlite3_errstr(rc));
	s->wal_flush = 2;
}

int
store_commit(struct store *s)
{
	if (exec_cached(s, "COMMIT") == -1) {
		store_rollback(s);
		return -1;
	}
	s->in_txn = 0;
	if (s->wal_flush)
		flush_wal(s);
	cache_after(s);
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)exec_sql(s, "ROLLBACK");
	s->in_txn = 0;
	s->wal_flush = 0; /* nothing was destroyed */
	cache_after(s);
}

int
store_ids(sqlite3_stmt *st, int64_t **ids, size_t *n)
{
	int64_t *v = NULL, *nv;
	size_t cap = 0, k = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[k++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return -1;
	}
	*ids = v;
	*n = k;
	return 0;
}

int
store_txn_open(struct store *s)
{
	return s->in_txn && !sqlite3_get_autocommit(s->db);
}

int
store_savepoint(struct store *s)
{
	return exec_cached(s, "SAVEPOINT call");
}

int
store_release(struct store *s)
{
	return exec_cached(s, "RELEASE call");
}

int
store_rollback_to(struct store *s)
{
	/* ROLLBACK TO keeps the savepoint on the stack: release it too. */
	return exec_cached(s, "ROLLBACK TO call") == -1 ? -1 : store_release(s);
}

sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	struct store_impl *si = (struct store_impl *)s;
	struct stmt_slot *slot;
	size_t h, i;

	h = ((uintptr_t)sql >> 3) % STMT_SLOTS;
	for (i = 0; i < STMT_SLOTS; i++) {
		slot = &si->slots[(h + i) % STMT_SLOTS];
		if (slot->sql == sql) {
			sqlite3_reset(slot->st);
			sqlite3_clear_bindings(slot->st);
			return slot->st;
		}
		if (slot->sql == NULL)
			break;
	}
	if (i == STMT_SLOTS) {
		log_err("store: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	                       &slot->st, NULL) != SQLITE_OK) {
		log_err("store: prepare failed: %s", sqlite3_errmsg(s->db));
		slot->st = NULL;
		return NULL;
	}
	slot->sql = sql;
	return slot->st;
}

int
store_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("store: step failed: %s",
		        sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_step_exists(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("store: step failed: %s", sqlite3_errstr(rc));
		return -1;
	}
	return rc == SQLITE_ROW;
}

void
store_cache_kib(struct store *s, int kib)
{
	char sql[64];

	if (s->in_txn && kib <= STORE_CACHE_KIB) {
		s->cache_after = kib;
		return;
	}

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		log_warn("cannot set the page cache to %d KiB", kib);
	if (kib <= STORE_CACHE_KIB) {
		/* Give the pages back to the system, not just to malloc. */
		sqlite3_db_release_memory(s->db);
		malloc_trim(0);
	}
}
