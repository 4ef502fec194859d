-- Finding credentials by the teacher's name: the name the credential states (its unhashed
-- `name` identifier), lower-cased with spaces collapsed; '' when it states none. Filled at
-- issuance, and for credentials issued before this column by the store when it opens.
ALTER TABLE credentials ADD COLUMN recipient_name_key TEXT;
