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
-- Name: Schéma Ünï; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Schéma Ünï";


ALTER SCHEMA "Schéma Ünï" OWNER TO postgres;

--
-- Name: file_fdw; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS file_fdw WITH SCHEMA public;


--
-- Name: EXTENSION file_fdw; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION file_fdw IS 'foreign-data wrapper for flat file access';


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
-- Name: uses ext uses ext_pkey; Type: CONSTRAINT; Schema: Ext Schema; Owner: postgres
--

ALTER TABLE ONLY "Ext Schema"."uses ext"
    ADD CONSTRAINT "uses ext_pkey" PRIMARY KEY (id);


--
-- Name: uses ext trgm; Type: INDEX; Schema: Ext Schema; Owner: postgres
--

CREATE INDEX "uses ext trgm" ON "Ext Schema"."uses ext" USING gist ((("Name")::text) public.gist_trgm_ops);


--
-- PostgreSQL database dump complete
--

\unrestrict K

