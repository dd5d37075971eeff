-- a typo on line 3
CREATE TABLE ok (id int);
CREAT TABLE broken (id int);
