#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets from the repository's own fixtures and rules.
Usage: fuzz/seed.py OUT_DIR  (writes OUT_DIR/{load,locate,rule_file,jsonpath,pipeline,fix,yaml,terraform}/)"""
import glob, os, shutil, sys, tomllib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
for target in ("load", "locate", "rule_file", "jsonpath", "pipeline", "fix", "yaml", "terraform"):
    os.makedirs(os.path.join(out, target), exist_ok=True)
fixtures = sorted(glob.glob(os.path.join(root, "fixtures", "**", "*.json"), recursive=True))
for i, path in enumerate(fixtures):
    # JSON is YAML: every fixture seeds the YAML reader too.
    shutil.copy(path, os.path.join(out, "yaml", f"{i}.json"))
    shutil.copy(path, os.path.join(out, "load", f"{i}.json"))
    shutil.copy(path, os.path.join(out, "locate", f"{i}.json"))
    shutil.copy(path, os.path.join(out, "fix", f"{i}.json"))
for i, path in enumerate(sorted(glob.glob(os.path.join(root, "rules", "*", "*.toml")))):
    shutil.copy(path, os.path.join(out, "rule_file", f"{i}.toml"))
    rule = tomllib.load(open(path, "rb"))
    query = (rule.get("query") or rule.get("missing") or "$").replace("\n", " ")
    stem = os.path.basename(path)[:-5]
    fail = os.path.join(root, "fixtures", stem, "fail.json")
    document = open(fail).read() if os.path.exists(fail) else "{}"
    with open(os.path.join(out, "jsonpath", str(i)), "w") as f:
        f.write(query + "\n" + document)

# Whole estates for the pipeline target: the demo's files joined by NUL bytes, and each fixture
# beside the demo's account settings.
demo = sorted(glob.glob(os.path.join(root, "fixtures", "demo", "**", "*.json"), recursive=True))
with open(os.path.join(out, "pipeline", "demo"), "wb") as f:
    f.write(b"\0".join(open(p, "rb").read() for p in demo))
for i, path in enumerate(fixtures):
    with open(os.path.join(out, "pipeline", f"{i}"), "wb") as f:
        f.write(open(path, "rb").read())

# CloudFormation-shaped YAML with short-form tags, anchors, flow collections and comments.
with open(os.path.join(out, "yaml", "template.yaml"), "w") as f:
    f.write("""AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Image: {Type: String, Default: 'nginx:1.27'}
Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition # comment
    Properties:
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - &app
          Name: app
          Image: !Ref Image
          Environment: [{Name: MODE, Value: !Sub '${AWS::Region}-prod'}]
          Command: !If [IsProd, [run], !Ref AWS::NoValue]
        - *app
""")

# Terraform: the test configurations' files, each on its own.
terraform = sorted(glob.glob(os.path.join(root, "tests", "data", "terraform", "**", "*.tf*"), recursive=True))
for i, path in enumerate(terraform):
    shutil.copy(path, os.path.join(out, "terraform", f"{i}"))
