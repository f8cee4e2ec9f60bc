--
-- PostgreSQL database dump
--

\restrict K

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: Ext Schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Ext Schema";


ALTER SCHEMA "Ext Schema" OWNER TO postgres;

--
-- Name: Foreign Schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Foreign Schema";


ALTER SCHEMA "Foreign Schema" OWNER TO postgres;

--
-- Name: Pub Schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Pub Schema";


ALTER SCHEMA "Pub Schema" OWNER TO postgres;

--
-- Name: Schéma Ünï; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Schéma Ünï";


ALTER SCHEMA "Schéma Ünï" OWNER TO postgres;

--
-- Name: citext; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA "Ext Schema";


--
-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION citext IS 'case-insensitive ''text'', with a replaced comment';


--
-- Name: cube; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA "Schéma Ünï";


--
-- Name: EXTENSION cube; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION cube IS 'data type for multidimensional cubes';


--
-- Name: earthdistance; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA "Schéma Ünï";


--
-- Name: EXTENSION earthdistance; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION earthdistance IS 'calculate great-circle distances on the surface of the Earth';


--
-- Name: file_fdw; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS file_fdw WITH SCHEMA public;


--
-- Name: EXTENSION file_fdw; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION file_fdw IS 'foreign-data wrapper for flat file access';


--
-- Name: hstore; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;


--
-- Name: EXTENSION hstore; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION hstore IS 'data type for storing sets of (key, value) pairs';


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: Files Too; Type: FOREIGN DATA WRAPPER; Schema: -; Owner: postgres
--

CREATE FOREIGN DATA WRAPPER "Files Too" HANDLER public.file_fdw_handler VALIDATOR public.file_fdw_validator;


ALTER FOREIGN DATA WRAPPER "Files Too" OWNER TO postgres;

--
-- Name: Plain FDW; Type: FOREIGN DATA WRAPPER; Schema: -; Owner: postgres
--

CREATE FOREIGN DATA WRAPPER "Plain FDW" OPTIONS (
    "Mixed Opt" 'it''s',
    zeta 'z'
);


ALTER FOREIGN DATA WRAPPER "Plain FDW" OWNER TO postgres;

--
-- Name: FOREIGN DATA WRAPPER "Plain FDW"; Type: COMMENT; Schema: -; Owner: postgres
--

COMMENT ON FOREIGN DATA WRAPPER "Plain FDW" IS 'no handler, no validator';


--
-- Name: validated; Type: FOREIGN DATA WRAPPER; Schema: -; Owner: ext fdw owner
--

CREATE FOREIGN DATA WRAPPER validated VALIDATOR postgresql_fdw_validator;


ALTER FOREIGN DATA WRAPPER validated OWNER TO "ext fdw owner";

--
-- Name: Remote "One"; Type: SERVER; Schema: -; Owner: postgres
--

CREATE SERVER "Remote ""One""" TYPE 'it''s' VERSION '1.0' FOREIGN DATA WRAPPER validated OPTIONS (
    dbname 'db',
    host 'remote',
    port '5432'
);


ALTER SERVER "Remote ""One""" OWNER TO postgres;

--
-- Name: USER MAPPING Ext Mapped "User" SERVER Remote "One"; Type: USER MAPPING; Schema: -; Owner: postgres
--

CREATE USER MAPPING FOR "Ext Mapped ""User""" SERVER "Remote ""One""" OPTIONS (
    password 'it''s secret',
    "user" 'u'
);


--
-- Name: files; Type: SERVER; Schema: -; Owner: postgres
--

CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;


ALTER SERVER files OWNER TO postgres;

--
-- Name: SERVER files; Type: COMMENT; Schema: -; Owner: postgres
--

COMMENT ON SERVER files IS 'reads files';


--
-- Name: USER MAPPING public SERVER files; Type: USER MAPPING; Schema: -; Owner: postgres
--

CREATE USER MAPPING FOR public SERVER files;


--
-- Name: select; Type: SERVER; Schema: -; Owner: ext_user
--

CREATE SERVER "select" FOREIGN DATA WRAPPER "Plain FDW";


ALTER SERVER "select" OWNER TO ext_user;

--
-- Name: USER MAPPING ext_user SERVER select; Type: USER MAPPING; Schema: -; Owner: ext_user
--

CREATE USER MAPPING FOR ext_user SERVER "select";


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: uses ext; Type: TABLE; Schema: Ext Schema; Owner: postgres
--

CREATE TABLE "Ext Schema"."uses ext" (
    id integer NOT NULL,
    attrs public.hstore DEFAULT ''::public.hstore,
    "Name" "Ext Schema".citext NOT NULL,
    point "Schéma Ünï".cube
);


ALTER TABLE "Ext Schema"."uses ext" OWNER TO postgres;

--
-- Name: ext view; Type: VIEW; Schema: Ext Schema; Owner: postgres
--

CREATE VIEW "Ext Schema"."ext view" AS
 SELECT id,
    public.akeys(attrs) AS keys
   FROM "Ext Schema"."uses ext";


ALTER VIEW "Ext Schema"."ext view" OWNER TO postgres;

--
-- Name: Remote "T"; Type: FOREIGN TABLE; Schema: Foreign Schema; Owner: ext_user
--

CREATE FOREIGN TABLE "Foreign Schema"."Remote ""T""" (
    id integer NOT NULL,
    "Label" text DEFAULT 'none'::text COLLATE pg_catalog."C",
    amount numeric(10,2),
    note character varying(20),
    CONSTRAINT "Remote ""T""_amount_check" CHECK ((amount > (0)::numeric))
)
SERVER "select"
OPTIONS (
    schema_name 'remote',
    table_name 'it''s'
);
ALTER FOREIGN TABLE ONLY "Foreign Schema"."Remote ""T""" ALTER COLUMN id OPTIONS (
    "Quoted" 'x',
    column_name 'ID'
);
ALTER FOREIGN TABLE ONLY "Foreign Schema"."Remote ""T""" ALTER COLUMN note SET STATISTICS 50;
ALTER FOREIGN TABLE ONLY "Foreign Schema"."Remote ""T""" ALTER COLUMN note OPTIONS (
    "z opt" 'last'
);


ALTER FOREIGN TABLE "Foreign Schema"."Remote ""T""" OWNER TO ext_user;

--
-- Name: FOREIGN TABLE "Remote ""T"""; Type: COMMENT; Schema: Foreign Schema; Owner: ext_user
--

COMMENT ON FOREIGN TABLE "Foreign Schema"."Remote ""T""" IS 'a remote table';


--
-- Name: COLUMN "Remote ""T""".id; Type: COMMENT; Schema: Foreign Schema; Owner: ext_user
--

COMMENT ON COLUMN "Foreign Schema"."Remote ""T""".id IS 'its id';


--
-- Name: bare; Type: FOREIGN TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE FOREIGN TABLE "Foreign Schema".bare (
)
SERVER "Remote ""One""";


ALTER FOREIGN TABLE "Foreign Schema".bare OWNER TO postgres;

--
-- Name: base; Type: TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE TABLE "Foreign Schema".base (
    id integer,
    created date DEFAULT '2024-01-01'::date
);


ALTER TABLE "Foreign Schema".base OWNER TO postgres;

--
-- Name: child; Type: FOREIGN TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE FOREIGN TABLE "Foreign Schema".child (
    extra text
)
INHERITS ("Foreign Schema".base)
SERVER "select";


ALTER FOREIGN TABLE "Foreign Schema".child OWNER TO postgres;

--
-- Name: parted; Type: TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE TABLE "Foreign Schema".parted (
    id integer,
    region text
)
PARTITION BY LIST (region);


ALTER TABLE "Foreign Schema".parted OWNER TO postgres;

--
-- Name: parted_far; Type: FOREIGN TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE FOREIGN TABLE "Foreign Schema".parted_far (
    id integer,
    region text
)
SERVER "select"
OPTIONS (
    table_name 'far'
);


ALTER FOREIGN TABLE "Foreign Schema".parted_far OWNER TO postgres;

--
-- Name: parted_local; Type: TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE TABLE "Foreign Schema".parted_local (
    id integer,
    region text
);


ALTER TABLE "Foreign Schema".parted_local OWNER TO postgres;

--
-- Name: readable; Type: FOREIGN TABLE; Schema: Foreign Schema; Owner: postgres
--

CREATE FOREIGN TABLE "Foreign Schema".readable (
    n integer,
    word text
)
SERVER files
OPTIONS (
    format 'csv',
    program E'printf ''1,one\\n2,two\\n'''
);


ALTER FOREIGN TABLE "Foreign Schema".readable OWNER TO postgres;

--
-- Name: Pub T; Type: TABLE; Schema: Pub Schema; Owner: postgres
--

CREATE TABLE "Pub Schema"."Pub T" (
    id integer NOT NULL,
    "Name" text,
    secret text
);


ALTER TABLE "Pub Schema"."Pub T" OWNER TO postgres;

--
-- Name: parted; Type: TABLE; Schema: Pub Schema; Owner: postgres
--

CREATE TABLE "Pub Schema".parted (
    id integer,
    at date
)
PARTITION BY RANGE (at);


ALTER TABLE "Pub Schema".parted OWNER TO postgres;

--
-- Name: parted_2024; Type: TABLE; Schema: Pub Schema; Owner: postgres
--

CREATE TABLE "Pub Schema".parted_2024 (
    id integer,
    at date
);


ALTER TABLE "Pub Schema".parted_2024 OWNER TO postgres;

--
-- Name: parted_far; Type: TABLE ATTACH; Schema: Foreign Schema; Owner: postgres
--

ALTER TABLE ONLY "Foreign Schema".parted ATTACH PARTITION "Foreign Schema".parted_far FOR VALUES IN ('far');


--
-- Name: parted_local; Type: TABLE ATTACH; Schema: Foreign Schema; Owner: postgres
--

ALTER TABLE ONLY "Foreign Schema".parted ATTACH PARTITION "Foreign Schema".parted_local FOR VALUES IN ('here');


--
-- Name: parted_2024; Type: TABLE ATTACH; Schema: Pub Schema; Owner: postgres
--

ALTER TABLE ONLY "Pub Schema".parted ATTACH PARTITION "Pub Schema".parted_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');


--
-- Name: child created; Type: DEFAULT; Schema: Foreign Schema; Owner: postgres
--

ALTER FOREIGN TABLE ONLY "Foreign Schema".child ALTER COLUMN created SET DEFAULT '2024-01-01'::date;


--
-- Name: uses ext uses ext_pkey; Type: CONSTRAINT; Schema: Ext Schema; Owner: postgres
--

ALTER TABLE ONLY "Ext Schema"."uses ext"
    ADD CONSTRAINT "uses ext_pkey" PRIMARY KEY (id);


--
-- Name: Pub T Pub T_pkey; Type: CONSTRAINT; Schema: Pub Schema; Owner: postgres
--

ALTER TABLE ONLY "Pub Schema"."Pub T"
    ADD CONSTRAINT "Pub T_pkey" PRIMARY KEY (id);


--
-- Name: uses ext trgm; Type: INDEX; Schema: Ext Schema; Owner: postgres
--

CREATE INDEX "uses ext trgm" ON "Ext Schema"."uses ext" USING gist ((("Name")::text) public.gist_trgm_ops);


--
-- Name: Pub "All"; Type: PUBLICATION; Schema: -; Owner: postgres
--

CREATE PUBLICATION "Pub ""All""" FOR ALL TABLES WITH (publish = 'insert, update, delete, truncate', publish_generated_columns = stored);


ALTER PUBLICATION "Pub ""All""" OWNER TO postgres;

--
-- Name: nothing; Type: PUBLICATION; Schema: -; Owner: postgres
--

CREATE PUBLICATION nothing WITH (publish = '');


ALTER PUBLICATION nothing OWNER TO postgres;

--
-- Name: select; Type: PUBLICATION; Schema: -; Owner: ext fdw owner
--

CREATE PUBLICATION "select" WITH (publish = 'insert, truncate', publish_via_partition_root = true);


ALTER PUBLICATION "select" OWNER TO "ext fdw owner";

--
-- Name: select uses ext; Type: PUBLICATION TABLE; Schema: Ext Schema; Owner: ext fdw owner
--

ALTER PUBLICATION "select" ADD TABLE ONLY "Ext Schema"."uses ext";


--
-- Name: select Pub T; Type: PUBLICATION TABLE; Schema: Pub Schema; Owner: ext fdw owner
--

ALTER PUBLICATION "select" ADD TABLE ONLY "Pub Schema"."Pub T" (id, "Name") WHERE (((id > 10) AND ("Name" <> 'x'::text)));


--
-- Name: select parted; Type: PUBLICATION TABLE; Schema: Pub Schema; Owner: ext fdw owner
--

ALTER PUBLICATION "select" ADD TABLE ONLY "Pub Schema".parted;


--
-- Name: FOREIGN DATA WRAPPER "Plain FDW"; Type: ACL; Schema: -; Owner: postgres
--

GRANT ALL ON FOREIGN DATA WRAPPER "Plain FDW" TO ext_user WITH GRANT OPTION;


--
-- Name: FOREIGN DATA WRAPPER validated; Type: ACL; Schema: -; Owner: ext fdw owner
--

GRANT ALL ON FOREIGN DATA WRAPPER validated TO PUBLIC;


--
-- Name: FOREIGN SERVER files; Type: ACL; Schema: -; Owner: postgres
--

GRANT ALL ON FOREIGN SERVER files TO "Ext Mapped ""User""";


--
-- Name: FOREIGN SERVER "select"; Type: ACL; Schema: -; Owner: ext_user
--

REVOKE ALL ON FOREIGN SERVER "select" FROM ext_user;


--
-- Name: TABLE "Remote ""T"""; Type: ACL; Schema: Foreign Schema; Owner: ext_user
--

GRANT SELECT ON TABLE "Foreign Schema"."Remote ""T""" TO "Ext Mapped ""User""";


--
-- Name: COLUMN "Remote ""T""".note; Type: ACL; Schema: Foreign Schema; Owner: ext_user
--

GRANT INSERT(note) ON TABLE "Foreign Schema"."Remote ""T""" TO ext_user;


--
-- PostgreSQL database dump complete
--

\unrestrict K

